"""The local stack: a docker-free stand-in for `sam local`, built from the same template.yaml AWS deploys.

template  load the SAM template (short tags, Globals, routes) and resolve intrinsics to local values
aws       create its tables, queues and state machines in in-process moto
lambdas   run its functions in this process, one event per instance, with Lambda's env and context
pump      deliver SQS batches to subscribed functions, honouring ReportBatchItemFailures
executor  run its state machines on moto's ASL interpreter with Lambda tasks calling local handlers
stack     all of the above in one context manager (`LocalStack`)
__main__  `python -m local <command>` (invoke, ...)
"""
