"""Checks raw DMS API responses against botocore's DMS service model (the model the AWS CLI and boto3 use).

usage: python botocoreShapes.py <exchanges.json>
  exchanges.json: [{"operation": "DescribeReplicationTasks", "status": 200, "body": "<raw JSON>"}, ...]
Prints one JSON object: {"checked": N, "problems": ["<operation>: <path>: <what is wrong>", ...]}.

A 200 body must match the operation's output shape: every member known to the model (an unknown one is what an
SDK generated from the model drops without a word), required members present, JSON types as the awsJson1.1
protocol writes them (timestamps as epoch seconds), strings within the shape's enum when the model has one.
An error body's __type must be an error the model declares for that operation, or one every AWS JSON service
may answer (throttling, internal failure, access denied, validation).
"""
import json
import sys

import botocore.session

# Errors any operation may answer without the model listing them for it. The DMS API Reference's "Common Errors"
# page lists throttling, internal failure, access denied, invalid parameter value/combination (HTTP 400). DMS spells
# the last two with an "Exception" suffix: "An error occurred (InvalidParameterValueException) when calling the
# CreateReplicationTask operation" (boto/botocore issue 1121), "InvalidParameterCombinationException errors when
# oracle_settings is configured" (hashicorp/terraform-provider-aws pull request 46689).
COMMON_ERRORS = {"ThrottlingException", "InternalFailure", "ServiceUnavailable", "AccessDeniedException",
                 "ValidationException", "UnknownOperationException", "IncompleteSignature", "InvalidAction",
                 "InvalidParameterValueException", "InvalidParameterCombinationException"}

# Where real DMS answers differently from its own model, the emulator follows DMS; each departure names its source.
# (shape name, member name) -> why the value may be outside the model's enum.
KNOWN_DEPARTURES = {
    # hashicorp/terraform-provider-aws, internal/service/dms/endpoint.go: "the AWS API only accepts lowercase type
    # but returns it as uppercase" (the model's ReplicationEndpointTypeValue enum is source | target).
    ("Endpoint", "EndpointType"): lambda value, enum: value.lower() in enum,
}


def check(value, shape, path, problems):
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            problems.append(f"{path}: {type(value).__name__} where the model has structure {shape.name}")
            return
        for key, item in value.items():
            if key not in shape.members:
                problems.append(f"{path}.{key}: not a member of {shape.name} (an SDK drops it)")
                continue
            member = shape.members[key]
            departure = KNOWN_DEPARTURES.get((shape.name, key))
            if departure and isinstance(item, str) and member.enum and departure(item, member.enum):
                continue
            check(item, member, f"{path}.{key}", problems)
        for required in shape.required_members:
            if required not in value:
                problems.append(f"{path}.{required}: required by {shape.name}, missing")
    elif kind == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: {type(value).__name__} where the model has a list")
            return
        for i, item in enumerate(value):
            check(item, shape.member, f"{path}[{i}]", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            problems.append(f"{path}: {type(value).__name__} where the model has a map")
            return
        for key, item in value.items():
            check(item, shape.value, f"{path}[{key}]", problems)
    elif kind == "string":
        if not isinstance(value, str):
            problems.append(f"{path}: {value!r} is not a string")
        elif shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.name} {shape.enum}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: {value!r} is not an integer")
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{path}: {value!r} is not a number")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.append(f"{path}: {value!r} is not a boolean")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{path}: {value!r} is not epoch seconds (awsJson1.1 timestamps)")
    elif kind == "blob":
        if not isinstance(value, str):
            problems.append(f"{path}: {value!r} is not base64 text")


def main():
    exchanges = json.load(open(sys.argv[1]))
    model = botocore.session.get_session().get_service_model("dms")
    problems = []
    for exchange in exchanges:
        name = exchange["operation"]
        if name not in model.operation_names:
            if exchange["status"] != 200 and "UnknownOperationException" in exchange["body"]:
                continue  # the emulator's answer to an operation DMS does not have, as AWS answers it
            problems.append(f"{name}: not an operation of the DMS model")
            continue
        operation = model.operation_model(name)
        try:
            body = json.loads(exchange["body"] or "{}")
        except ValueError:
            problems.append(f"{name}: body is not JSON: {exchange['body'][:80]!r}")
            continue
        if exchange["status"] == 200:
            if operation.output_shape is not None:
                check(body, operation.output_shape, name, problems)
        else:
            code = str(body.get("__type", "")).split("#")[-1]
            declared = {shape.name for shape in operation.error_shapes}
            if code not in declared and code not in COMMON_ERRORS:
                problems.append(f"{name}: error {code!r} (HTTP {exchange['status']}) is not declared for it; "
                                f"the model declares {sorted(declared)}")
    # One line per distinct problem, so a wrong field seen on every Describe is reported once.
    print(json.dumps({"checked": len(exchanges), "botocore": botocore.__version__,
                      "problems": sorted(set(problems))}))


if __name__ == "__main__":
    main()
