"""`/openapi.json` is derived from the model declarations; `/docs` serves Swagger UI locally."""

from kci_backend import models


def test_openapi_describes_every_collection(anon):
    r = anon.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.")
    for name, collection in models.REGISTRY.items():
        schema = spec["components"]["schemas"][name]
        assert set(schema["properties"]) == {f.name for f in collection.visible_fields}
    job_params = {p["name"] for p in spec["paths"]["/job"]["get"]["parameters"]}
    assert {"limit", "skip", "sort", "kernel", "git_branch"} <= job_params
    assert "token_hash" not in spec["components"]["schemas"]["token"]["properties"]


def test_docs_page_and_assets_need_no_network(anon):
    page = anon.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/openapi.json" in page.text
    js = anon.get("/docs/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert anon.get("/docs/nope.js").status_code == 404
