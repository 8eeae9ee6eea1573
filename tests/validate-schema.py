#!/usr/bin/env python3
# validate-schema.py: check scenario files against data/scenario.schema.json
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Python's standard library only (no jsonschema package offline), so this
# implements the part of JSON Schema draft 2020-12 the scenario schema
# uses, and refuses a schema that uses any other keyword rather than
# ignore it:
#
#   $ref (to "#/..." in the same document), type, const, enum,
#   properties, required, additionalProperties, propertyNames, items,
#   minItems, maxItems, minimum, maximum, minLength, maxLength, pattern,
#   oneOf, anyOf, allOf, not
#
# Usage:
#   validate-schema.py SCHEMA FILE...              every FILE must be valid
#   validate-schema.py --self-test SCHEMA FILE...  and each FILE, broken in
#                                                  known ways, must be rejected
#
# Exit status: 0 when everything is as expected, 1 otherwise.

import copy
import json
import re
import sys

ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description",
               "default", "examples", "$defs"}


class SchemaError(Exception):
    pass


class Validator:
    def __init__(self, schema):
        self.root = schema
        self.check_keywords(schema, "#")

    def check_keywords(self, schema, where):
        known = ANNOTATIONS | set(KEYWORDS)
        if isinstance(schema, bool):
            return
        if not isinstance(schema, dict):
            raise SchemaError(f"{where}: a schema must be an object or a boolean")
        for key, value in schema.items():
            if key not in known:
                raise SchemaError(f"{where}: keyword {key!r} is not supported "
                                  "by this validator")
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    self.check_keywords(sub, f"{where}/{key}/{name}")
            elif key in ("items", "additionalProperties", "propertyNames", "not"):
                self.check_keywords(value, f"{where}/{key}")
            elif key in ("oneOf", "anyOf", "allOf"):
                for i, sub in enumerate(value):
                    self.check_keywords(sub, f"{where}/{key}/{i}")

    def resolve(self, ref):
        if not ref.startswith("#"):
            raise SchemaError(f"only local references are supported, got {ref!r}")
        node = self.root
        for token in ref[1:].split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[token]
        return node

    def errors(self, instance, schema, path=""):
        """All the ways instance fails schema, as (path, keyword, message)."""
        if schema is True:
            return []
        if schema is False:
            return [(path, "false", "no value is allowed here")]
        found = []
        for key, value in schema.items():
            check = KEYWORDS.get(key)
            if check is not None:
                found.extend(check(self, instance, value, schema, path))
        return found


def type_matches(instance, name):
    if name == "object":
        return isinstance(instance, dict)
    if name == "array":
        return isinstance(instance, list)
    if name == "string":
        return isinstance(instance, str)
    if name == "boolean":
        return isinstance(instance, bool)
    if name == "null":
        return instance is None
    if isinstance(instance, bool):
        return False
    if name == "number":
        return isinstance(instance, (int, float))
    if name == "integer":
        return isinstance(instance, int) or (isinstance(instance, float)
                                             and instance.is_integer())
    raise SchemaError(f"unknown type {name!r}")


def same_value(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(same_value, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def is_number(instance):
    return isinstance(instance, (int, float)) and not isinstance(instance, bool)


def k_ref(v, instance, ref, schema, path):
    return v.errors(instance, v.resolve(ref), path)


def k_type(v, instance, types, schema, path):
    names = types if isinstance(types, list) else [types]
    if any(type_matches(instance, name) for name in names):
        return []
    return [(path, "type", f"must be of type {' or '.join(names)}, "
                           f"got {json.dumps(instance)[:40]}")]


def k_const(v, instance, value, schema, path):
    if same_value(instance, value):
        return []
    return [(path, "const", f"must be {json.dumps(value)}, "
                            f"got {json.dumps(instance)[:40]}")]


def k_enum(v, instance, values, schema, path):
    if any(same_value(instance, value) for value in values):
        return []
    return [(path, "enum", f"must be one of {json.dumps(values)}, "
                           f"got {json.dumps(instance)[:40]}")]


def k_properties(v, instance, properties, schema, path):
    if not isinstance(instance, dict):
        return []
    found = []
    for name, sub in properties.items():
        if name in instance:
            found.extend(v.errors(instance[name], sub, f"{path}/{name}"))
    return found


def k_required(v, instance, names, schema, path):
    if not isinstance(instance, dict):
        return []
    return [(path, "required", f"missing field {name!r}")
            for name in names if name not in instance]


def k_additional(v, instance, sub, schema, path):
    if not isinstance(instance, dict):
        return []
    known = schema.get("properties", {})
    found = []
    for name, value in instance.items():
        if name in known:
            continue
        if sub is False:
            found.append((f"{path}/{name}", "additionalProperties",
                          f"unknown field {name!r}"))
        else:
            found.extend(v.errors(value, sub, f"{path}/{name}"))
    return found


def k_property_names(v, instance, sub, schema, path):
    if not isinstance(instance, dict):
        return []
    found = []
    for name in instance:
        for where, keyword, message in v.errors(name, sub, f"{path}/{name}"):
            found.append((where, "propertyNames", f"name {name!r}: {message}"))
    return found


def k_items(v, instance, sub, schema, path):
    if not isinstance(instance, list):
        return []
    found = []
    for i, item in enumerate(instance):
        found.extend(v.errors(item, sub, f"{path}/{i}"))
    return found


def k_min_items(v, instance, n, schema, path):
    if isinstance(instance, list) and len(instance) < n:
        return [(path, "minItems", f"must have at least {n} items")]
    return []


def k_max_items(v, instance, n, schema, path):
    if isinstance(instance, list) and len(instance) > n:
        return [(path, "maxItems", f"must have at most {n} items")]
    return []


def k_minimum(v, instance, n, schema, path):
    if is_number(instance) and instance < n:
        return [(path, "minimum", f"must be at least {n}, got {instance}")]
    return []


def k_maximum(v, instance, n, schema, path):
    if is_number(instance) and instance > n:
        return [(path, "maximum", f"must be at most {n}, got {instance}")]
    return []


def k_min_length(v, instance, n, schema, path):
    if isinstance(instance, str) and len(instance) < n:
        return [(path, "minLength", f"must have at least {n} characters")]
    return []


def k_max_length(v, instance, n, schema, path):
    if isinstance(instance, str) and len(instance) > n:
        return [(path, "maxLength", f"must have at most {n} characters")]
    return []


def k_pattern(v, instance, pattern, schema, path):
    if isinstance(instance, str) and re.search(pattern, instance) is None:
        return [(path, "pattern", f"{json.dumps(instance)[:40]} does not match "
                                  f"{pattern}")]
    return []


def k_one_of(v, instance, subs, schema, path):
    results = [v.errors(instance, sub, path) for sub in subs]
    passing = sum(1 for errors in results if not errors)
    if passing == 1:
        return []
    if passing > 1:
        return [(path, "oneOf", f"matches {passing} of the oneOf choices, "
                                "expected exactly one")]
    # the closest choice: fewest mismatched "const"s (the discriminator),
    # then fewest errors
    best = min(results, key=lambda errors: (
        sum(1 for _, keyword, _ in errors if keyword in ("const", "enum")),
        len(errors)))
    return best


def k_any_of(v, instance, subs, schema, path):
    results = [v.errors(instance, sub, path) for sub in subs]
    if any(not errors for errors in results):
        return []
    return [(path, "anyOf", "matches none of the anyOf choices: " +
             "; ".join(errors[0][2] for errors in results))]


def k_all_of(v, instance, subs, schema, path):
    found = []
    for sub in subs:
        found.extend(v.errors(instance, sub, path))
    return found


def k_not(v, instance, sub, schema, path):
    if v.errors(instance, sub, path):
        return []
    return [(path, "not", "matches a schema it must not match")]


KEYWORDS = {
    "$ref": k_ref,
    "type": k_type,
    "const": k_const,
    "enum": k_enum,
    "properties": k_properties,
    "required": k_required,
    "additionalProperties": k_additional,
    "propertyNames": k_property_names,
    "items": k_items,
    "minItems": k_min_items,
    "maxItems": k_max_items,
    "minimum": k_minimum,
    "maximum": k_maximum,
    "minLength": k_min_length,
    "maxLength": k_max_length,
    "pattern": k_pattern,
    "oneOf": k_one_of,
    "anyOf": k_any_of,
    "allOf": k_all_of,
    "not": k_not,
}


def first(items, predicate):
    return next((i for i, item in enumerate(items) if predicate(item)), None)


def mutations(document):
    """(description, broken copy) pairs that the schema must reject."""
    def host_with_services(d):
        return first(d["hosts"], lambda h: h.get("services"))

    def step(d, action):
        return first(d["steps"], lambda s: s.get("action") == action)

    def apply(description, change):
        broken = copy.deepcopy(document)
        if change(broken) is False:
            return None
        return description, broken

    def unknown_top(d):
        d["colour"] = "blue"

    def unknown_host_field(d):
        d["hosts"][0]["adress"] = d["hosts"][0].pop("address")

    def service_port(d):
        h = host_with_services(d)
        if h is None:
            return False
        d["hosts"][h]["services"][0]["port"] = 70000

    def connect_port(d):
        s = step(d, "connect")
        if s is None:
            return False
        d["steps"][s]["port"] = 70000

    def bad_address(d):
        d["hosts"][0]["address"] = "192.203.196.710"

    def version_2(d):
        d["version"] = 2

    def no_narration(d):
        del d["steps"][0]["narration"]

    def unknown_action(d):
        d["steps"][0]["action"] = "teleport"

    def unknown_step_field(d):
        d["steps"][0]["colour"] = "blue"

    def port_as_string(d):
        s = step(d, "connect")
        if s is None:
            return False
        d["steps"][s]["port"] = str(d["steps"][s]["port"])

    def with_links(d):
        return bool(d.get("links"))

    def link_without_network(d):
        if not with_links(d):
            return False
        del d["links"][0]["network"]

    def link_prefix_33(d):
        if not with_links(d):
            return False
        d["links"][0]["network"] = d["links"][0]["network"].split("/")[0] + "/33"

    def latency_too_high(d):
        if not with_links(d):
            return False
        d["links"][0]["latency_ms"] = 5001

    def unknown_link_field(d):
        if not with_links(d):
            return False
        d["links"][0]["colour"] = "blue"

    def host_with_interfaces(d):
        return first(d["hosts"], lambda h: h.get("interfaces"))

    def address_and_interfaces(d):
        h = host_with_interfaces(d)
        if h is None:
            return False
        d["hosts"][h]["address"] = d["hosts"][h]["interfaces"][0]["address"]

    def link_and_interfaces(d):
        h = host_with_interfaces(d)
        if h is None:
            return False
        d["hosts"][h]["link"] = d["hosts"][h]["interfaces"][0]["link"]

    def no_address_no_interfaces(d):
        h = host_with_interfaces(d)
        if h is None:
            return False
        del d["hosts"][h]["interfaces"]

    def interfaces_empty(d):
        h = host_with_interfaces(d)
        if h is None:
            return False
        d["hosts"][h]["interfaces"] = []

    def unknown_interface_field(d):
        h = host_with_interfaces(d)
        if h is None:
            return False
        interface = d["hosts"][h]["interfaces"][0]
        interface["adress"] = interface.pop("address")

    changes = [
        ("an unknown top-level field \"colour\"", unknown_top),
        ("a host field misspelled \"adress\"", unknown_host_field),
        ("a service on port 70000", service_port),
        ("a connect step to port 70000", connect_port),
        ("address 192.203.196.710", bad_address),
        ("version 2", version_2),
        ("a step without narration", no_narration),
        ("a step with action \"teleport\"", unknown_action),
        ("an unknown step field \"colour\"", unknown_step_field),
        ("a port written as a string", port_as_string),
        ("a link without \"network\"", link_without_network),
        ("a link network with prefix /33", link_prefix_33),
        ("a link with latency_ms 5001", latency_too_high),
        ("an unknown link field \"colour\"", unknown_link_field),
        ("a host with both \"address\" and \"interfaces\"", address_and_interfaces),
        ("a host with both \"link\" and \"interfaces\"", link_and_interfaces),
        ("a host with neither \"address\" nor \"interfaces\"", no_address_no_interfaces),
        ("a host with no interfaces", interfaces_empty),
        ("an interface field misspelled \"adress\"", unknown_interface_field),
    ]
    return [m for m in (apply(d, c) for d, c in changes) if m is not None]


def main(argv):
    self_test = "--self-test" in argv
    args = [a for a in argv if a != "--self-test"]
    if len(args) < 2:
        print(__doc__ if __doc__ else "usage: validate-schema.py [--self-test] "
              "SCHEMA FILE...", file=sys.stderr)
        return 2

    with open(args[0], encoding="utf-8") as f:
        validator = Validator(json.load(f))

    ok = True
    for name in args[1:]:
        with open(name, encoding="utf-8") as f:
            document = json.load(f)

        errors = validator.errors(document, validator.root)
        if errors:
            ok = False
            for where, _, message in errors:
                print(f"{name}: {where or '/'}: {message}")
        else:
            print(f"{name}: valid")

        if not self_test:
            continue

        for description, broken in mutations(document):
            errors = validator.errors(broken, validator.root)
            if errors:
                where, _, message = errors[0]
                print(f"{name} with {description}: rejected ({where}: {message})")
            else:
                ok = False
                print(f"{name} with {description}: ACCEPTED, but must be rejected")

    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SchemaError as e:
        print(f"schema: {e}", file=sys.stderr)
        sys.exit(1)
