-- One kind of client of the caseledger API for wrk (bench/http_load.py runs it):
--
--   CASELEDGER_BENCH_TOKEN=… wrk -t T -c C -d D --latency -s bench/http/client.lua URL -- KIND THINK_MS REFS T
--
-- KIND: "case" (GET /api/v1/cases/{ref}), "deadlines" (GET /api/v1/deadlines), "write"
-- (POST /api/v1/cases/{ref}/record-family-contact) or "healthz" (GET /healthz, the reference).
-- CASELEDGER_BENCH_TOKEN: the API token (from the environment, so that no process list shows
-- it); THINK_MS: each connection's mean pause between a response and its next
-- request (0: none, the server is kept saturated); REFS: comma-separated case references; T:
-- the number of threads again (init() is not told it).
--
-- Thread i takes the references at positions i, i+T, i+2T … and cycles through them. For writes
-- the runner starts one thread per connection, so each writer owns exactly one case and its
-- requests and responses alternate: the reason of each write ("load test write <ref> #<n>")
-- names it, and done() reports, per case, the numbers of the writes answered 2xx, answered
-- otherwise, and the one (if any) still unanswered when wrk stopped. The runner checks those
-- against the facts recorded.
--
-- done() prints one line, "RESULT " followed by JSON, after wrk's own summary.

local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

local function split(text)
   local out = {}
   for item in string.gmatch(text or "", "[^,]+") do
      table.insert(out, item)
   end
   return out
end

function init(args)
   kind, think = args[1], tonumber(args[2])
   math.randomseed(os.time() * 1000 + id)
   local token = os.getenv("CASELEDGER_BENCH_TOKEN") or ""
   local all = split(args[3])
   mine = {}
   for i = id + 1, #all, tonumber(args[4]) do
      table.insert(mine, all[i])
   end
   cursor = 0
   sent, ok, failed = 0, 0, 0
   statuses = {}
   -- writes only (one connection per thread): the number of the write awaiting its response,
   -- and the numbers answered 2xx and otherwise, comma-separated
   seq, waiting, ok_seqs, failed_seqs = 0, nil, {}, {}
   headers = {["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json"}
   if kind == "write" then
      headers["Content-Type"] = "application/json"
   end
end

function request()
   sent = sent + 1
   if kind == "healthz" then
      return wrk.format("GET", "/healthz", headers)
   elseif kind == "deadlines" then
      return wrk.format("GET", "/api/v1/deadlines", headers)
   end
   cursor = cursor % #mine + 1
   local ref = mine[cursor]
   if kind == "case" then
      return wrk.format("GET", "/api/v1/cases/" .. ref, headers)
   end
   seq = seq + 1
   waiting = seq
   local body = '{"text": "Spoke to the family by telephone.", "reason": "load test write '
      .. ref .. ' #' .. seq .. '"}'
   return wrk.format("POST", "/api/v1/cases/" .. ref .. "/record-family-contact", headers, body)
end

-- A pause drawn afresh each time (uniform, 0 to twice THINK_MS): fixed pauses would keep the
-- clients in step, arriving together in waves, after their first requests all went at once.
function delay()
   if think == 0 then return 0 end
   return math.random(0, 2 * think)
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   if status >= 200 and status < 300 then
      ok = ok + 1
      if waiting then table.insert(ok_seqs, waiting) end
   else
      failed = failed + 1
      if waiting then table.insert(failed_seqs, waiting) end
   end
   waiting = nil
end

local function json_numbers(list)
   return "[" .. table.concat(list, ",") .. "]"
end

function done(summary, latency, requests)
   local parts = {}
   local per_case = {}
   local all_statuses = {}
   local sent_total = 0
   for _, thread in ipairs(threads) do
      sent_total = sent_total + thread:get("sent")
      for code, n in pairs(thread:get("statuses")) do
         all_statuses[code] = (all_statuses[code] or 0) + n
      end
      if thread:get("kind") == "write" then
         local unanswered = thread:get("waiting")
         table.insert(per_case, string.format(
            '{"ref": "%s", "ok": %s, "failed": %s, "unanswered": %s}',
            thread:get("mine")[1], json_numbers(thread:get("ok_seqs")),
            json_numbers(thread:get("failed_seqs")), unanswered and tostring(unanswered) or "null"))
      end
   end
   for code, n in pairs(all_statuses) do
      table.insert(parts, string.format('"%s": %d', code, n))
   end
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests": %d, "sent": %d, "duration_us": %d, "bytes": %d, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"statuses": {%s}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, '
      .. '"writes": [%s]}\n',
      summary.requests, sent_total, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.timeout, table.concat(parts, ", "),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean, table.concat(per_case, ", ")))
end
