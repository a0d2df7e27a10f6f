"""Typo-tolerant product search, served from a compact in-memory index instead of the table.

Why this design (cost and speed on Lambda)
------------------------------------------
* **No search cluster.** OpenSearch (even serverless) costs a standing minimum per month and adds a
  network hop; the catalog of one quick-commerce city is 10^3-10^5 products, whose whole search
  index fits in a few MB. So the index is a plain data structure held in each search Lambda's memory.
* **Built once, read everywhere.** `SearchIndexerFunction` builds the index (`index.py`) and
  publishes it as one zlib'd JSON object in `SearchIndexBucket` (`snapshot.py`); a tiny version
  pointer lives in Redis (`products:search:version`) and, durably, next to it in S3. A search
  Lambda keeps the decoded index across invocations and re-downloads it only when the version
  changes. The version is checked at most once per `SEARCH_VERSION_CHECK_SECONDS` (default 1 s):
  under load a warm container makes ~1 Redis GET per second instead of one per request, and an edit
  still shows within the indexer's batching window plus a second. Redis down → the S3 pointer.
* **The request path never touches the catalog table.** Matching, ranking, filters, sorting and
  paging run on the in-memory index; the only AWS reads per request are a bounded BatchGetItem of
  stock for the page (only with `store_id`, and only for the products whose stock the warm container
  has not read in the last `products.cache.TTL_SECONDS`) and one cached GetItem for an unseen
  `store_id`. Calls per request do not grow with the catalog.
* **Freshness from the table's stream, incrementally.** The stream carries NEW_AND_OLD_IMAGES, so the
  indexer applies the changed products and categories to the documents of the current snapshot and
  republishes, without reading the table (a full rebuild by Query on `ByType` only when there is no
  snapshot yet, or on demand: `indexer.rebuild()`). Concurrent shards are serialised by a
  compare-and-set on the Redis pointer (the loser reloads and re-applies: stream images are whole
  items, so re-applying is idempotent).

Matching (`query.py`)
---------------------
Text is lower-cased, accent-folded and split on anything not a letter or digit. A query word
matches an indexed word *exactly*, as a *prefix* (sorted vocabulary + bisect, so "tom" finds
"tomatoes"; capped to the most frequent expansions) or *fuzzily* (Damerau-Levenshtein via a
SymSpell deletion neighbourhood stored with the index): words of 1-3 letters exact or prefix only,
4-7 letters one edit, 8 or more two edits. Every query word must match (AND); if that leaves
nothing, products matching the most words are returned. Score per word = match kind (exact > prefix
> fuzzy) + field (name > brand > category name > tags); ties break on more fields matched, shorter
name, then product id, so results are deterministic and pages are stable.
"""
