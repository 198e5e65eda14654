#!/usr/bin/env python3
"""mkgraphs: write synthetic graph files (the format of COFFMAN_GRAPH_DIR, README "One graph across a
test suite") for timing coffman-graph: FILES processes with EDGES class edges in total, drawn from a
pool of lock classes in one global order (so the merged graph is acyclic) except for CYCLES back edges,
each in a file of its own, that close one cross-process cycle each.  Every edge has two stacks of six
frames, like a real acquisition.  Deterministic for a seed.

    mkgraphs.py DIR [--files=1000] [--edges=100000] [--classes=20000] [--cycles=3] [--seed=1]
"""
import json, os, random, sys

def main():
    args = dict(files=1000, edges=100000, classes=20000, cycles=3, seed=1)
    out = None
    for a in sys.argv[1:]:
        if a.startswith('--') and '=' in a:
            k, v = a[2:].split('=', 1)
            if k not in args:
                sys.exit('mkgraphs: unknown option ' + a)
            args[k] = int(v)
        elif out is None:
            out = a
        else:
            sys.exit(__doc__)
    if out is None:
        sys.exit(__doc__)
    os.makedirs(out, exist_ok=True)
    rng = random.Random(args['seed'])
    nclasses, nfiles = args['classes'], args['files']
    per_file = max(1, args['edges'] // nfiles)
    funcs = ['worker_%d' % i for i in range(400)]

    def frame(func, line):
        return {"function": func, "file": "/src/app/%s.c" % func.split('_')[0], "line": line,
                "pc": "0x%x" % rng.randrange(1 << 40), "object": "app", "inlined": False,
                "object_path": "/opt/app/bin/app", "offset": "0x%x" % rng.randrange(1 << 20),
                "function_offset": "0x%x" % rng.randrange(1 << 10)}

    rand = rng.randrange

    def stack_text():
        # Formatted directly (not json.dumps): a million frames in a second or two.
        return '[' + ','.join(
            '{"function":"%s","file":"/src/app/worker.c","line":%d,"pc":"0x%x","object":"app",'
            '"inlined":false,"object_path":"/opt/app/bin/app","offset":"0x%x","function_offset":"0x%x"}'
            % (funcs[rand(400)], rand(10, 3000), rand(1 << 40), rand(1 << 20), rand(1 << 10))
            for _ in range(6)) + ']'

    def class_line(cid, k):
        return {"type": "class", "id": cid, "key": "site worker_%d pool.c:%d" % (k % 400, k),
                "kind": "site", "lock": "mutex", "name": None, "object": "app",
                "object_path": "/opt/app/bin/app", "build_id": None, "offset": None, "how": "init",
                "site": frame("worker_%d" % (k % 400), k)}

    cycle_files = set(rng.sample(range(1, nfiles), min(args['cycles'], nfiles - 1)))
    earlier = []
    for f in range(nfiles):
        pairs = set()
        while len(pairs) < per_file:
            a = rng.randrange(nclasses - 1)
            b = rng.randrange(a + 1, min(nclasses, a + 200))
            pairs.add((a, b))
        if f in cycle_files:        # a back edge b -> a, where an earlier file took a -> b
            a, b = rng.choice(earlier)
            pairs.discard((a, b))
            pairs.add((b, a))
        earlier.extend(p for p in pairs if p[0] < p[1])
        used = sorted({k for p in pairs for k in p})
        cid = {k: i for i, k in enumerate(used)}
        lines = [{"coffman_graph": 1, "type": "header", "producer": "mkgraphs", "processes": 1},
                 {"type": "process", "id": 0, "program": "/opt/app/bin/test_%d" % f, "argv": ["test_%d" % f],
                  "argv_cut": False, "build_id": None, "pid": 1000 + f, "ppid": 1, "host": "bench",
                  "test": "test_%d" % f, "started": "2026-01-01T00:00:00.000Z",
                  "written": "2026-01-01T00:00:01.000Z", "reason": "exit", "classes_site": False}]
        lines += [class_line(cid[k], k) for k in used]
        nstacks = 0
        edges = []
        for a, b in sorted(pairs):
            edges.append({"type": "edge", "from": cid[a], "to": cid[b], "count": 1, "processes": 1,
                          "origins": [{"process": 0, "count": 1, "thread": 1, "stack": nstacks,
                                       "held_stack": nstacks + 1}]})
            nstacks += 2
        stacks = ['{"type":"stack","id":%d,"frames":%s}' % (i, stack_text()) for i in range(nstacks)]
        lines += edges
        lines.append({"type": "end", "classes": len(used), "edges": len(pairs), "stacks": nstacks})
        with open(os.path.join(out, 'test_%d.bench.%d.0.graph.jsonl' % (f, 1000 + f)), 'w') as fh:
            for l in lines[:-1 - len(edges)]:
                fh.write(json.dumps(l, separators=(',', ':')) + '\n')
            fh.write('\n'.join(stacks) + '\n')
            for l in lines[-1 - len(edges):]:
                fh.write(json.dumps(l, separators=(',', ':')) + '\n')

if __name__ == '__main__':
    main()
