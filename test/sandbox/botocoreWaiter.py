"""Runs one botocore DMS waiter against the emulator and prints the outcome as JSON (driven by dmsEmulatorBotocore.test.ts).

usage: python3 botocoreWaiter.py <endpoint> <waiter_name> <filters-json>
"""
import json
import sys

import boto3
from botocore.exceptions import WaiterError

endpoint, waiter_name, filters = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
client = boto3.client(
    "dms",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="sandbox",
    aws_secret_access_key="sandbox",
)
try:
    client.get_waiter(waiter_name).wait(Filters=filters, WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    print(json.dumps({"outcome": "success"}))
except WaiterError as error:
    print(json.dumps({"outcome": "failure", "reason": error.kwargs.get("reason", str(error)), "message": str(error)}))
