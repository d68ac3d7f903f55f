-- wrk script of the capture POST benchmark (bench/run.py): every request is a new capture with
-- its own operation id (the server applies an id once), alternating "receive 1" (quick entry)
-- and "remove 1", as the scan PWA posts them (form fields, CSRF token, session cookie, JSON
-- answer). done() prints the latency percentiles as one JSON line.
--
-- wrk ... -s bench/capture.lua URL -- NONCE COOKIE CSRF PATH1 BODY1 PATH2 BODY2
-- BODYn: url-encoded form bodies holding the placeholder OPID.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  nonce = args[1]         -- 8 hex digits, new for each run
  headers = {
    ["Cookie"] = args[2],
    ["X-CSRFToken"] = args[3],
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }
  captures = { { args[4], args[5] }, { args[6], args[7] } }
  counter = 0
end

function request()
  counter = counter + 1
  -- A valid UUID unique to this run, thread and request: no two requests share an id.
  local op_id = string.format("%s-%04x-4000-8000-%012x", nonce, thread_id, counter)
  local capture = captures[(counter % 2) + 1]
  local body = string.gsub(capture[2], "OPID", op_id)
  return wrk.format("POST", capture[1], headers, body)
end

-- The statuses answered (the first refused answer is kept to explain a failure).
statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status >= 400 and not refused then
    refused = string.format("%d %s", status, string.sub(body or "", 1, 300))
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local answer = thread:get("refused")
    if answer then
      io.stderr:write("refused: " .. answer .. "\n")
    end
  end
  io.write(string.format(
    '{"requests": %d, "p50_us": %d, "p95_us": %d, "non_2xx_3xx": %d, "socket_errors": %d}\n',
    summary.requests,
    latency:percentile(50),
    latency:percentile(95),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  ))
end
