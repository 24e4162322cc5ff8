"""OpenPress's deployment, described once (:mod:`.topology`) and rendered to docker-compose.yml
and deploy/base (:mod:`.compose`, :mod:`.kubernetes`). Pure Python: no Django import, only
:mod:`openpress.config`, so `python -m openpress.deployment render` needs no settings."""
