-- wrk script for scripts/loadtest.sh: replays the request mix written by manage.py bench_loadplan.
-- Each thread starts at a different point of the (shuffled) plan and walks it round robin.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local plan = dofile(os.getenv("PLAN") or "var/loadtest/plan.lua")
  reqs, names = {}, {}
  for i, r in ipairs(plan.requests) do
    reqs[i] = wrk.format(r.method, r.path, r.headers, r.body ~= "" and r.body or nil)
    names[i] = r.name
  end
  sent, codes = {}, {}
  pos = (tid * 7919) % #reqs
end

function request()
  pos = pos % #reqs + 1
  sent[names[pos]] = (sent[names[pos]] or 0) + 1
  return reqs[pos]
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

local function merge(into, from)
  for k, v in pairs(from or {}) do into[k] = (into[k] or 0) + v end
end

local function json(t)
  local parts = {}
  for k, v in pairs(t) do
    local value = type(v) == "table" and json(v) or tostring(v)
    table.insert(parts, string.format('"%s": %s', tostring(k), value))
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
  local sent_all, codes_all = {}, {}
  for _, thread in ipairs(threads) do
    merge(sent_all, thread:get("sent"))
    merge(codes_all, thread:get("codes"))
  end
  local bad = 0
  for status, n in pairs(codes_all) do
    if status ~= 200 then bad = bad + n end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write("RESULT ", json({
    requests = summary.requests,
    seconds = string.format("%.1f", seconds),
    requests_per_s = string.format("%.1f", summary.requests / seconds),
    errors = e.connect + e.read + e.write + e.timeout + bad,
    socket_errors = {connect = e.connect, read = e.read, write = e.write, timeout = e.timeout},
    http_errors = bad,
    status = codes_all,
    sent = sent_all,
    latency_ms = {
      mean = string.format("%.1f", latency.mean / 1000),
      p50 = string.format("%.1f", latency:percentile(50) / 1000),
      p90 = string.format("%.1f", latency:percentile(90) / 1000),
      p99 = string.format("%.1f", latency:percentile(99) / 1000),
      max = string.format("%.1f", latency.max / 1000),
    },
  }), "\n")
end
