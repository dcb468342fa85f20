#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Run `systemd-analyze verify` on cnh's generated units.

Usage: verify-units.py --bindir DIR NAME=PATH... -- UNIT...

Each unit is copied into a temporary directory with ExecStart=DIR/NAME
replaced by the build tree's PATH (verify checks that the command exists
and is executable), then verified as a template and as an instance
(vm0, vm0-x), so that %i-expanded paths are checked too. Any message that
names one of the units fails the test. Exits 77 without systemd-analyze.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def parse_args(argv):
    if len(argv) < 3 or argv[0] != '--bindir' or '--' not in argv:
        sys.exit('usage: verify-units.py --bindir DIR NAME=PATH... -- UNIT...')
    sep = argv.index('--')
    exes = dict(a.split('=', 1) for a in argv[2:sep])
    return argv[1], exes, argv[sep + 1:]


def stage(units, bindir, exes, tmp):
    """Copy units into tmp with build-tree binaries; return the unit names."""
    names = []
    for path in units:
        name = os.path.basename(path)
        with open(path) as f:
            text = f.read()
        if '@' in re.sub(r'[\w.-]+@[\w%.-]*', '', text):
            raise SystemExit(f'{name}: an unsubstituted @variable@ is left')

        def exe(m):
            prog = m.group(2)
            if prog not in exes:
                raise SystemExit(f'{name}: ExecStart runs {bindir}/{prog}, not a cnh binary')
            return m.group(1) + exes[prog]
        text, n = re.subn(r'^(ExecStart=)' + re.escape(bindir) + r'/(\S+)', exe, text, flags=re.M)
        if name.endswith('.service') and n != 1:
            raise SystemExit(f'{name}: expected one ExecStart={bindir}/..., found {n}')
        with open(os.path.join(tmp, name), 'w') as f:
            f.write(text)
        names.append(name)
    return names


def verify(tool, tmp, targets):
    """Messages about our units, [] when clean."""
    env = dict(os.environ, SYSTEMD_LOG_COLOR='0', SYSTEMD_PAGER='', LC_ALL='C')
    p = subprocess.run([tool, 'verify', '--man=no'] + [os.path.join(tmp, t) for t in targets],
                       cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ours = [os.path.splitext(t)[0].split('@')[0] + '@' for t in targets]
    bad, other = [], []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        (bad if tmp in line or any(u in line for u in ours) else other).append(line)
    for line in other:
        print(f'(not about cnh units, ignored) {line}')
    if p.returncode != 0 and not bad:
        bad.append(f'systemd-analyze verify exited {p.returncode}')
    return bad


def instances(names):
    out = []
    for n in names:
        base, _, suffix = n.partition('@')
        out.append(n)
        out.append(f'{base}@vm0{"" if base == "cnh" else "-x"}{suffix}')
    return out


def main():
    bindir, exes, units = parse_args(sys.argv[1:])
    tool = shutil.which('systemd-analyze')
    if not tool:
        print('SKIP: systemd-analyze not found (Debian package systemd)')
        return SKIP
    with tempfile.TemporaryDirectory(prefix='cnh-units-') as tmp:
        names = stage(units, bindir, exes, tmp)
        print(f'verifying {len(names)} units: {" ".join(sorted(names))}')
        failed = False
        for t in instances(names):
            bad = verify(tool, tmp, [t])
            for line in bad:
                print(f'FAIL {t}: {line}')
            failed |= bool(bad)
        # The check itself: a unit with a typo must be caught.
        broken = 'cnh-broken@.service'
        with open(os.path.join(tmp, names[0])) as f:
            text = f.read()
        with open(os.path.join(tmp, broken), 'w') as f:
            f.write(text.replace('[Service]', '[Service]\nProtectSytem=strict', 1))
        if not verify(tool, tmp, [broken]):
            print('FAIL: a misspelt directive went unnoticed; the check is broken')
            failed = True
    if failed:
        return 1
    print(f'ok: {len(names)} units verified clean')
    return 0


if __name__ == '__main__':
    sys.exit(main())
