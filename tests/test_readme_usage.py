"""The README's usage snippet runs as printed (on the committed MNIST fixture digits, in a scratch folder) and
its exported network runs in a process where ``neumeta`` cannot be imported."""
import os
import re
import subprocess
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]


def usage_snippet():
    text = (REPO / "README.md").read_text()
    match = re.search(r"<!-- usage -->\n```python\n(.*?)```", text, flags=re.S)
    assert match, "README.md has no usage snippet after <!-- usage -->"
    return match.group(1)


def test_the_readme_snippet_fits_saves_reloads_and_exports(tmp_path, monkeypatch):
    snippet = usage_snippet()
    assert len(snippet.strip().splitlines()) <= 12
    (tmp_path / "data").symlink_to(REPO / "tests" / "fixtures" / "data")
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(snippet, "README.md usage", "exec"), namespace)
    assert (tmp_path / "inr.pt").exists() and not (tmp_path / "inr.partial.pt").exists()
    assert namespace["small"][2][0].out_channels == 40
    x = namespace["x"]
    expected = namespace["meta"].network(24)(x)
    torch.save(x, tmp_path / "x.pt")
    code = ("import sys; sys.modules['neumeta'] = None; import torch; "
            "net = torch.export.load('net24.pt2').module(); "
            "torch.save(net(torch.load('x.pt', weights_only=True)), 'y.pt')")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""})
    assert torch.allclose(torch.load(tmp_path / "y.pt", weights_only=True), expected, atol=1e-5)
