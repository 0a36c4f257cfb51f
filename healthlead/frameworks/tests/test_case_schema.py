import pytest

from healthlead.frameworks import case_schema

DOCUMENT = {
    "identifier": "6ba7b810-9dad-51d1-80b4-00c04fd430c8",
    "uri": "https://healthlead.example/ims/case/v1p0/CFDocuments/6ba7b810-9dad-51d1-80b4-00c04fd430c8",
    "creator": "Healthlead",
    "title": "A framework",
    "lastChangeDateTime": "2026-11-26T10:00:00Z",
}


def package(**document):
    return {"CFDocument": {**DOCUMENT, **document}}


def test_a_minimal_package_is_valid():
    assert case_schema.problems(package(), "CFPackage.Type") == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"lastChangeDateTime": "yesterday"}, "'yesterday' is not a valid date-time"),
        ({"lastChangeDateTime": "2026-02-30T10:00:00Z"}, "is not a valid date-time"),
        ({"uri": "not a uri"}, "'not a uri' is not a valid uri"),
        ({"statusStartDate": "2026-13-01"}, "'2026-13-01' is not a valid date"),
        ({"statusStartDate": "1 May 2026"}, "is not a valid date"),
        ({"title": 42}, "CFDocument.title: should be a string."),
        ({"subject": "leadership"}, "CFDocument.subject: should be an array."),
    ],
)
def test_problems_name_the_field_in_plain_english(change, problem):
    problems = case_schema.problems(package(**change), "CFPackage.Type")
    assert any(problem in p for p in problems), problems


def test_an_unknown_association_type_lists_the_allowed_ones():
    association = {
        "identifier": "6ba7b810-9dad-51d1-80b4-00c04fd430c9",
        "associationType": "isCousinOf",
        "uri": "https://x.example/a",
        "originNodeURI": {"title": "a", "identifier": "a", "uri": "https://x.example/a"},
        "destinationNodeURI": {"title": "b", "identifier": "b", "uri": "https://x.example/b"},
        "lastChangeDateTime": "2026-11-26T10:00:00Z",
    }
    problems = case_schema.problems(
        {**package(), "CFAssociations": [association]}, "CFPackage.Type"
    )
    assert problems == [
        "CFAssociations[0].associationType: 'isCousinOf' is not one of isChildOf, isPeerOf, "
        "isPartOf, exactMatchOf, precedes, isRelatedTo, replacedBy, exemplar, hasSkillLevel."
    ]


def test_the_merged_document_definition_accepts_a_document_with_its_package_link():
    document = {
        **DOCUMENT,
        "CFPackageURI": {
            "title": "A framework",
            "identifier": DOCUMENT["identifier"],
            "uri": DOCUMENT["uri"],
        },
    }
    assert case_schema.problems(document, "CFDocument.Type") == []
    assert case_schema.problems(DOCUMENT, "CFDocument.Type") == [
        "the package: CFPackageURI is missing."
    ]


def test_long_lists_of_problems_are_cut_short():
    items = [{"identifier": "x"} for _ in range(30)]
    problems = case_schema.problems({**package(), "CFItems": items}, "CFPackage.Type", limit=5)
    assert len(problems) == 6
    assert problems[-1].startswith("... and ")


def test_an_unknown_definition_is_a_programming_error():
    with pytest.raises(KeyError):
        case_schema.validator("CFNothing.Type")
