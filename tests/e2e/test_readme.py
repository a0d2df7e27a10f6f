"""Every command README.md shows, checked: the walkthroughs run against a live `make run` stack.

Each ```bash block of the README is marked on the line before its fence:
- `<!-- readme: run -->`: a command a new user pastes beside `make run`. All of them run in order in ONE bash
  (`set -euo pipefail`; later blocks use the variables earlier ones set, as in one terminal) against the e2e
  package's server, with `127.0.0.1:3000` rewritten to its port; each must succeed and print what it is for.
- `<!-- readme: make -->`: make targets. Each must exist; `make demo` runs as what it calls
  (`python -m local demo --url`); `make run` is the server these tests start (`python -m local run`), and
  `make test` is the run this test is part of.
- `<!-- readme: aws -->`: deploy and operations commands, which need an AWS account and are not run here:
  they must parse (`bash -n`), every `aws` command names its `--region`, and every `python -m local` command
  in them parses with the real argument parser (the first-admin command itself runs on moto in
  tests/local/test_first_admin.py).
The unmarked "Invoke one function" block (owned by the invoke command's docs) runs too, against the same stack.
A block with no marker fails the test, so a new command cannot slip in unchecked.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest

from local.__main__ import build_parser
from local.config import ROOT

pytestmark = pytest.mark.e2e

README = ROOT / "README.md"
MARKER = re.compile(r"^<!-- readme: (run|make|aws) -->$")
LOCAL_COMMAND = re.compile(r"\.venv/bin/python -m local ")
AWS_COMMAND = re.compile(r"(?<![\w/.-])aws [a-z0-9-]+ [a-z0-9-]+")
# (a command the block holds, what its output must contain): each block's answer means something.
EXPECTED = [
    ('"opening_hours"', '"open":"00:00"'),
    ('-H "X-Cart-Id: $CART"', '"item_count": 2'),
    ('guest_cart_id', '"cart_merge": "merged"'),
    ('echo "$ORDER is $STATUS"', " is PLACED"),
    ("jq -c .payment", '"provider": "razorpay"'),
    ("local pay $PAID", '"status": "PLACED"'),
    ('\\"status\\":\\"PACKED\\"', '"status": "PACKED"'),
    ("local ride $ORDER --steps 3", "200 OUT_FOR_DELIVERY"),
    ("WRONG=", '"code": "invalid-otp"'),
    ("WRONG=", "200 DELIVERED"),
    ("/admin/users/$CUSTOMER_UID/roles", '"roles":["customer"],"store_id":null'),
    ("--csv local/catalog/sample.csv", '"products": 5'),
    ("/local/outbox", '"emails"'),
    ('"code":"weekend50"', '"code":"WEEKEND50","kind":"flat","amount":5000'),
    ('\\"coupon_code\\":\\"weekend50\\"', '"Coupon WEEKEND50":-5000'),
    ('\\"coupon_code\\":\\"SAVE10\\"', '"words":"Add ₹'),
    ('/admin/coupons/weekend50 ', '{"code":"WEEKEND50","used":1}'),
    ('select(.code == "WEEKEND50")', '"qualifies":false,"words":"Already used"'),
    ('"reason":"Rain"', '"Surge fee (Rain)":3000'),
]


@dataclass(frozen=True)
class Block:
    kind: str | None  # run, make, aws; None when unmarked
    line: int  # of the fence
    text: str


def readme_blocks() -> list[Block]:
    lines = README.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "```bash":
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            marker = MARKER.match(lines[i - 1].strip()) if i else None
            blocks.append(Block(marker.group(1) if marker else None, i + 1, "\n".join(lines[i + 1:end]) + "\n"))
            i = end
        i += 1
    return blocks


def _commands(text: str) -> list[str]:
    """Logical lines (continuations joined), without comments or blank lines."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in (raw.strip() for raw in joined.splitlines()) if line and not line.startswith("#")]


def _is_invoke_block(block: Block) -> bool:
    commands = _commands(block.text)
    return bool(commands) and all(c.startswith(".venv/bin/python -m local invoke ") for c in commands)


def test_every_bash_block_is_marked_and_the_walkthroughs_are_there() -> None:
    blocks = readme_blocks()
    unmarked = [b.line for b in blocks if b.kind is None and not _is_invoke_block(b)]
    assert not unmarked, f"README.md bash blocks without a <!-- readme: run|make|aws --> marker at lines {unmarked}"
    runnable = "".join(b.text for b in blocks if b.kind == "run")
    for what, _ in EXPECTED:
        assert what in runnable, f"no runnable README block holds {what!r}"
    assert "<placeholder" not in runnable and not re.search(r"<[a-z_]+>", runnable), "runnable blocks take no <...>"


def test_every_aws_command_names_its_region_and_every_deploy_block_parses() -> None:
    text = README.read_text(encoding="utf-8")
    spans = [m.group(1) for m in re.finditer(r"`([^`]*\baws [a-z][^`]*)`", text)]  # inline, may wrap lines
    blocks = [b.text for b in readme_blocks() if b.kind == "aws"]
    lines = [line for b in blocks for line in _commands(b)] + [" ".join(s.split()) for s in spans]
    checked = 0
    for line in lines:
        calls = len(AWS_COMMAND.findall(line))
        checked += calls
        assert line.count("--region") >= calls, f"an aws command without --region: {line}"
    assert checked >= 20  # the deploy and operations sections
    for block in blocks:
        parsed = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, check=False)
        assert parsed.returncode == 0, f"{parsed.stderr}\n{block}"


def test_every_local_command_of_the_readme_parses(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    seen = set()
    for block in readme_blocks():
        for command in _commands(block.text):
            for part in re.split(r"\$\(|\)|;|&&|\||<|>", command):
                if not LOCAL_COMMAND.search(part):
                    continue
                argv = shlex.split(LOCAL_COMMAND.split(part, maxsplit=1)[1].split("#")[0])
                try:
                    parser.parse_args(argv)
                except SystemExit:
                    pytest.fail(f"README line {block.line}: `python -m local {' '.join(argv)}` does not parse: "
                                f"{capsys.readouterr().err}")
                seen.add(argv[0])
    assert {"token", "ride", "seed", "admin", "invoke"} <= seen


def test_every_make_target_the_readme_names_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = {t for line in makefile.splitlines() if re.match(r"^[a-z][\w -]*:", line)
               for t in line.split(":")[0].split()}
    named = {m.group(1) for b in readme_blocks() for m in re.finditer(r"(?:^|\s)make ([a-z-]+)", b.text)}
    assert named >= {"run", "test", "demo", "build", "deploy"}
    assert named <= targets, f"the README names make targets the Makefile lacks: {named - targets}"
    assert "$(PY) -m local run --port $(PORT)" in makefile and "$(PY) -m local demo" in makefile


@pytest.fixture(scope="module")
def walkthrough(server: dict[str, Any]) -> dict[str, str]:
    """Every runnable block, in order, in one bash against the server: each block's output by its first line."""
    assert shutil.which("jq") and shutil.which("curl"), "the README's walkthroughs need curl and jq on PATH"
    runnable = [b for b in readme_blocks() if b.kind == "run"]
    host = server["api"].removeprefix("http://")
    script = ["set -euo pipefail"]
    for n, block in enumerate(runnable):
        script += [f"echo '@@block {n}@@'", block.text.replace("127.0.0.1:3000", host)]
    env = {**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"]}
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=420, check=False)
    outputs = re.split(r"^@@block (\d+)@@$", done.stdout, flags=re.M)
    by_block = {runnable[int(n)].text: out for n, out in zip(outputs[1::2], outputs[2::2], strict=True)}
    last = runnable[len(by_block) - 1] if by_block else None
    assert done.returncode == 0, (f"README block at line {last and last.line} failed ({done.returncode}):\n"
                                  f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    assert len(by_block) == len(runnable)
    return by_block


def test_every_walkthrough_block_runs_and_answers_what_it_shows(walkthrough: dict[str, str]) -> None:
    for text, output in walkthrough.items():
        assert output.strip(), f"this README block printed nothing:\n{text}"
        assert "null" not in [line.strip() for line in output.splitlines()], f"a field was missing:\n{output}"
    for command, expected in EXPECTED:
        (output,) = [out for text, out in walkthrough.items() if command in text]
        assert expected in output, f"the block with {command!r} should print {expected!r}; it printed:\n{output}"


def test_the_wrong_otp_answers_the_problem_the_readme_quotes(walkthrough: dict[str, str]) -> None:
    (output,) = [out for text, out in walkthrough.items() if "WRONG=" in text]
    problem = json.loads(output[:output.index("\n}\n") + 2])
    assert problem["status"] == 422 and problem["detail"] == "The delivery OTP is wrong"
    assert problem["type"].endswith("/problems/invalid-otp")
    assert problem["errors"] == [{"field": "otp", "message": "does not match", "code": "invalid-otp"}]


def test_make_demo_runs_against_the_stack(server: dict[str, Any], walkthrough: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "local", "demo", "--url", server["api"]], cwd=ROOT,
                          env={**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"]}, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"^Order ord_\w+: DELIVERED, total ₹", done.stdout, flags=re.M), done.stdout[-2000:]


def test_the_invoke_command_answers(server: dict[str, Any], redis_url: str) -> None:
    commands = [c for b in readme_blocks() if _is_invoke_block(b) for c in _commands(b.text)]
    assert commands, "the README shows how to invoke one function"
    env = {**os.environ, "BLINKIT_LOCAL_STATE": server["state_file"], "REDIS_URL": redis_url}
    for command in commands:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        # It found the running stack (not an isolated one), and the sample saw the seeded data.
        assert "invoke: using the running stack at" in done.stderr, done.stderr[-2000:]
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        assert answer["statusCode"] == 200, answer
