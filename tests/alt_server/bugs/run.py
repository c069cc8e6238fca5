#!/usr/bin/env python3
"""Plant each bug of bugs.py into a copy of the alternative server and run the catalog against it
(or, with --explore, the seeded explorer).

The reference server's built-in faults (`mpsd-conformance mutants`) prove the catalog's teeth
against one implementation; these bugs prove them against a second, independently written one.

usage: run.py [--cases DIR] [--server PATH] [--bin PATH] [--jobs N] [--out FILE] [--keep DIR]
              [--list bugs|explore] [NAME-substring ...]
       run.py --explore [--budget N|60s] [--seed N] [--list explore|bugs] [--bin PATH] [--jobs N] ...
Prints, per bug, the gating cases that fail (caught) or SURVIVES; exits 1 when a bug survives.
--list chooses the bugs: BUGS (`bugs`, the default in catalog mode) or EXPLORE_BUGS (`explore`,
the default with --explore). --explore runs `explore --seed S --budget N --no-replay` per bug
instead of `run`: a bug is caught when explore exits 1 (its first finding's rule and step count
are printed). The explorer's example database goes into a temporary XDG_CACHE_HOME.
--healthy adds the unmodified server, --healthy-only runs it alone (it must pass / find nothing);
--server-args is given to every server started (e.g. "--choices second").
Build the binary first: cargo build --release
"""
import argparse, json, os, re, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bugs import BUGS, HEALTHY, EXPLORE_BUGS

ap = argparse.ArgumentParser()
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ap.add_argument("--cases", default=os.path.join(REPO, "cases"))
ap.add_argument("--server", default=os.path.join(REPO, "tests", "alt_server", "server.py"))
ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "mpsd-conformance"))
ap.add_argument("--out", help="write the results as JSON to this file")
ap.add_argument("--jobs", type=int, default=3)
ap.add_argument("--keep", help="keep each run's report.json here, as NAME.json")
ap.add_argument("--healthy", action="store_true", help="also run the unmodified server")
ap.add_argument("--healthy-only", action="store_true", help="run the unmodified server alone (with --server-args, e.g. --choices second)")
ap.add_argument("--healthy-variants", action="store_true", help="run HEALTHY (allowed choices): must have no failures")
ap.add_argument("--list", choices=("bugs", "explore"), help="which bugs: BUGS or EXPLORE_BUGS (default: explore with --explore, else bugs)")
ap.add_argument("--explore", action="store_true", help="explore each planted bug instead of running the catalog")
ap.add_argument("--budget", default="300", help="--explore: programs (or a time, 60s) per bug [300]")
ap.add_argument("--seed", default="1", help="--explore: the seed [1]")
ap.add_argument("--server-args", default="", help="extra arguments for each server (e.g. '--choices second')")
ap.add_argument("names", nargs="*")
a = ap.parse_args()
if a.list is None:
    a.list = "explore" if a.explore else "bugs"

base = open(a.server).read()
gen = tempfile.mkdtemp(prefix="alt-bugs-")

def plant(bug):
    text = base
    for old, new in bug["patch"]:
        n = text.count(old)
        if n != 1:
            raise SystemExit("bug %s: patch text found %d times: %r" % (bug["name"], n, old[:80]))
        text = text.replace(old, new)
    path = os.path.join(gen, bug["name"] + ".py")
    open(path, "w").write(text)
    return path

FINDING_RE = re.compile(r"^FINDING \[([^\]]*)\] shrunk to (\d+) step", re.M)

def explore(bug, url):
    """Explores the planted server: (bug, findings or None on an error, error text, seconds, first)."""
    rep = tempfile.mkdtemp(prefix="report-", dir=gen)
    env = dict(os.environ, XDG_CACHE_HOME=os.path.join(rep, "cache"))
    t = time.time()
    out = subprocess.run([a.bin, "explore", "--target", url, "--seed", a.seed, "--budget", a.budget,
                          "--no-replay", "--report-dir", rep, "--report", "json", "--color", "never"],
                         capture_output=True, text=True, env=env)
    dt = time.time() - t
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
        open(os.path.join(a.keep, bug["name"] + ".explore.txt"), "w").write(out.stdout + out.stderr)
    if out.returncode not in (0, 1):
        return bug, None, (out.stderr or out.stdout)[-2000:], dt
    found = FINDING_RE.findall(out.stdout)
    if out.returncode == 1 and not found:
        found = [("?", "?")]
    return bug, found, None, dt

def run(bug):
    path = plant(bug) if bug["patch"] else a.server
    p = subprocess.Popen([sys.executable, path, "--port", "0"] + a.server_args.split(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = p.stdout.readline().split()[-1]
        if a.explore:
            return explore(bug, url)
        rep = tempfile.mkdtemp(prefix="report-", dir=gen)
        t = time.time()
        out = subprocess.run([a.bin, "run", "--target", url, "--cases", a.cases, "--report-dir", rep, "--color", "never"],
                             capture_output=True, text=True)
        dt = time.time() - t
        if a.keep:
            os.makedirs(a.keep, exist_ok=True)
            if os.path.exists(os.path.join(rep, "report.json")):
                shutil.copy(os.path.join(rep, "report.json"), os.path.join(a.keep, bug["name"] + ".json"))
        try:
            r = json.load(open(os.path.join(rep, "report.json")))
        except Exception:
            return bug, None, out.stderr[-2000:], dt
        # The verdict says what gates: a may case's failure of the oracle (a 5xx, a broken shape)
        # gates as its own rule does.
        bad = [(c["id"], c["verdict"], c["outcome"], [f["rule"] for f in c.get("failures", [])]) for c in r["cases"] if c["outcome"] not in ("pass", "skip", "skipped")]
        return bug, bad, None, dt
    finally:
        p.kill(); p.wait()

pool = HEALTHY if a.healthy_variants else (EXPLORE_BUGS if a.list == "explore" else BUGS)
todo = [b for b in pool if not a.names or any(n in b["name"] for n in a.names)]
if a.healthy_only:
    todo = []
if a.healthy or a.healthy_only:
    todo = [dict(name="(healthy)", rules=[], desc="", patch=[])] + todo
res = {}
with ThreadPoolExecutor(a.jobs) as ex:
    for bug, bad, err, dt in ex.map(run, todo):
        if bad is None:
            print("%-36s ERROR %s" % (bug["name"], err)); res[bug["name"]] = "error"; continue
        if a.explore:
            planted = bug["patch"] and not a.healthy_variants
            status = ("caught" if bad else "SURVIVES") if planted else ("ok" if not bad else "HEALTHY-FAILS")
            print("%-36s %-8s %5.1fs %s" % (bug["name"], status, dt,
                  ("first finding [%s] in %s step(s)" % bad[0] + (" (+%d more)" % (len(bad) - 1) if len(bad) > 1 else "")) if bad else
                  "nothing found (seed %s, budget %s)" % (a.seed, a.budget)), flush=True)
            res[bug["name"]] = dict(status=status, findings=[dict(rule=r, steps=int(s) if s.isdigit() else None) for r, s in bad],
                                    seed=a.seed, budget=a.budget, seconds=round(dt, 1))
            continue
        gating = [b for b in bad if b[1] == "fail"]
        errored = [b for b in bad if b[2] not in ("fail",)]
        warn = [b for b in bad if b[1] == "warning"]
        planted = bug["patch"] and not a.healthy_variants   # a healthy variant must pass like the healthy server
        status = "caught" if gating and planted else ("SURVIVES" if planted else "ok" if not bad else "HEALTHY-FAILS")
        print("%-36s %-8s %4.1fs %s" % (bug["name"], status, dt,
              "; ".join("%s[%s %s]" % (i, s[0], ",".join(sorted(set(r)))) for i, s, o, r in gating[:6]) +
              (" (+%d more)" % (len(gating) - 6) if len(gating) > 6 else "") +
              ("  errored: " + ",".join(i for i, *_ in errored[:4]) if errored else "") +
              ("  may-warn: " + ",".join(i for i, *_ in warn[:4]) if warn else "")), flush=True)
        res[bug["name"]] = dict(status=status, gating=[g[0] for g in gating], errored=[e[0] for e in errored], warn=[w[0] for w in warn])
if a.out:
    json.dump(res, open(a.out, "w"), indent=1)
shutil.rmtree(gen, ignore_errors=True)
bad = [n for n, v in res.items() if not isinstance(v, dict) or v["status"] in ("SURVIVES", "HEALTHY-FAILS")]
print("\nsurvivors or failures:", bad)
sys.exit(1 if bad else 0)
