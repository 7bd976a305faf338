"""No path of the machine that ran a notebook reaches the results store: the executed notebook's outputs and
papermill's metadata name files relative to the repository, and the staging folders by their final names."""
import re

import nbformat

ABSOLUTE_PATH = re.compile(r"(?<![\w.~])/(?:work|home|root|tmp|Users|mnt|opt|var|private)/[^\s'\"),\]]*")


def relative_text(text, replacements):
    """``text`` with each ``(absolute prefix, relative replacement)`` applied, longest prefix first."""
    for prefix, relative in sorted(replacements, key=lambda r: -len(r[0])):
        text = text.replace(prefix, relative)
    return text


def relative_notebook(path, replacements):
    """Rewrite the executed notebook at ``path`` in place: every string of its cells' outputs and of its
    papermill metadata with the machine's prefixes made relative (``relative_text``)."""
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)

    def fix(value):
        if isinstance(value, str):
            return relative_text(value, replacements)
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        return value
    for cell in notebook.cells:
        if "outputs" in cell:
            cell.outputs = nbformat.from_dict(fix(cell.outputs))
    if "papermill" in notebook.metadata:
        notebook.metadata.papermill = nbformat.from_dict(fix(notebook.metadata.papermill))
    nbformat.write(notebook, path)


def absolute_paths(text):
    """Absolute paths of a machine found in ``text`` (for the test over the committed results)."""
    return ABSOLUTE_PATH.findall(text)


def staging_replacements(repo_root, staging_pairs):
    """The replacements for one run: each staging folder by its final folder, then the repository itself."""
    pairs = [(str(staging), final.relative_to(repo_root).as_posix() if final.is_relative_to(repo_root) else final.name)
             for staging, final in staging_pairs]
    return pairs + [(f"{repo_root}/", ""), (str(repo_root), ".")]
