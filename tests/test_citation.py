"""CITATION.cff is valid CFF 1.2.0 and cites the paper first. The kept validator (cffconvert 2.0.0) pins
jsonschema < 4, which nbformat cannot use, so the file is checked against the official CFF 1.2.0 JSON schema
(citation-file-format.github.io/1.2.0/schema.json, CC-BY-4.0, committed under tests/fixtures) with jsonschema."""
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "tests" / "fixtures" / "cff-1.2.0-schema.json").read_text())


def _validate(doc):
    # dates and DOIs are strings in CFF; YAML would read an unquoted date as a date object
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(json.loads(json.dumps(doc, default=str)))


def test_citation_file_is_valid_cff_and_prefers_the_paper():
    doc = yaml.safe_load((REPO / "CITATION.cff").read_text())
    _validate(doc)
    paper = doc["preferred-citation"]
    assert paper["title"] == "Neural Metamorphosis" and paper["year"] == 2024
    assert "2410.11878" in paper["doi"] and [a["family-names"] for a in paper["authors"]] == ["Yang", "Wang"]


def test_the_schema_check_can_fail():
    doc = yaml.safe_load((REPO / "CITATION.cff").read_text())
    for broken in ({k: v for k, v in doc.items() if k != "authors"}, dict(doc, **{"cff-version": "9.9"}),
                   dict(doc, unknown_key=1)):
        with pytest.raises(jsonschema.ValidationError):
            _validate(broken)
