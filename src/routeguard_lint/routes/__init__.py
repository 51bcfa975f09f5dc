"""The route table: apps, routers, includes, routes with their full paths and dependency trees.

`build.py` runs the stages; `model.py` holds the data between them. Discovery: `routers.py` (router objects),
`declarations.py` (route declarations, includes, mounts), with `contexts.py` (calling contexts and loop
iterations), `literals.py` (literal collections), `params.py` (how FastAPI fills a parameter), `guards.py`
(class-based views, guard decorators) and `middleware.py` (middleware and its exempt paths). Expansion:
`expand.py` (full paths through include chains). Dependency trees: `dependencies.py`. Bounds: `limits.py`.
"""
