-- wrk script: POST one command (project.create) to the key's tenant, again and again.
-- Environment: BULKHEAD_KEY (an API key), BULKHEAD_ACTOR (a user of its tenant).
wrk.method = "POST"
wrk.path = "/v1/commands/project.create"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BULKHEAD_KEY")
wrk.headers["X-Bulkhead-Actor"] = os.getenv("BULKHEAD_ACTOR")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"wrk project"}'

-- Any answer but 200 is counted (wrk's "Non-2xx or 3xx responses" line).
