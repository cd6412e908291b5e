-- wrk script: GET one project of the key's tenant (an authenticated projection read).
-- Environment: BULKHEAD_KEY (an API key), BULKHEAD_PROJECT (a project id of its tenant).
wrk.method = "GET"
wrk.path = "/v1/projects/" .. os.getenv("BULKHEAD_PROJECT")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BULKHEAD_KEY")
