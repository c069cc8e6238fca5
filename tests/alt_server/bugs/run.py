#!/usr/bin/env python3
"""Plant each bug of bugs.py into a copy of the alternative server and run the catalog against it.

The reference server's built-in faults (`mpsd-conformance mutants`) prove the catalog's teeth
against one implementation; these bugs prove them against a second, independently written one.

usage: run.py [--cases DIR] [--server PATH] [--bin PATH] [--jobs N] [--out FILE] [--keep DIR] [NAME-substring ...]
Prints, per bug, the gating cases that fail (caught) or SURVIVES; exits 1 when a bug survives.
Build the binary first: cargo build --release
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bugs import BUGS, HEALTHY

ap = argparse.ArgumentParser()
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ap.add_argument("--cases", default=os.path.join(REPO, "cases"))
ap.add_argument("--server", default=os.path.join(REPO, "tests", "alt_server", "server.py"))
ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "mpsd-conformance"))
ap.add_argument("--out", help="write the results as JSON to this file")
ap.add_argument("--jobs", type=int, default=3)
ap.add_argument("--keep", help="keep each run's report.json here, as NAME.json")
ap.add_argument("--healthy", action="store_true", help="also run the unmodified server")
ap.add_argument("--healthy-variants", action="store_true", help="run HEALTHY (allowed choices): must have no failures")
ap.add_argument("names", nargs="*")
a = ap.parse_args()

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

def run(bug):
    path = plant(bug) if bug["patch"] else a.server
    p = subprocess.Popen([sys.executable, path, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = p.stdout.readline().split()[-1]
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

todo = [b for b in (HEALTHY if a.healthy_variants else BUGS) if not a.names or any(n in b["name"] for n in a.names)]
if a.healthy:
    todo = [dict(name="(healthy)", rules=[], desc="", patch=[])] + todo
res = {}
with ThreadPoolExecutor(a.jobs) as ex:
    for bug, bad, err, dt in ex.map(run, todo):
        if bad is None:
            print("%-36s ERROR %s" % (bug["name"], err)); res[bug["name"]] = "error"; continue
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
