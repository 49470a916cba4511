//! The catalogue's JSON Schemas made lean for a coding agent's context (each tool definition
//! is paid for in every session): what a client does not need to call a tool or read its
//! result goes — the `$schema` line, schemars' type names (`title`), `format`s such as
//! `int64`, `"default": null` (absent already means the default), and the request's own
//! description (it is the tool's description). A word-list (`oneOf` of constants, each with
//! its own doc) becomes one `enum`. Shared types stay defined once per tool, under `$defs`,
//! and the prose of a type many tools return (a task, a message) is not repeated in each:
//! only the types of one tool's own result keep their field descriptions. A result says no
//! `default` (every field is always sent), and one that flattens a defined type (a task's
//! detail is a task plus its comments) refers to it rather than repeating its fields.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// A request's schema: the arguments, without the prose the tool's description already says.
pub(crate) fn request(mut schema: Map<String, Value>) -> Map<String, Value> {
    schema.remove("description");
    trim(&mut schema);
    schema
}

/// A response's schema (see `tools::output_schema` for its wrapping).
pub(crate) fn response(mut schema: Map<String, Value>) -> Map<String, Value> {
    trim(&mut schema);
    each_subschema(&mut schema, &mut |s| {
        s.remove("default");
    });
    schema
}

/// Makes `result` (an object type under `root`'s `properties`) refer to the definition in
/// `root`'s `$defs` whose fields it repeats, the largest such: `allOf` that definition plus
/// the fields of its own. A definition counts when it has at least two fields and each of
/// them stands in `result` with the same schema but for its description.
pub(crate) fn refer_to_flattened(root: &mut Map<String, Value>) {
    let Some(Value::Object(defs)) = root.get("$defs") else {
        return;
    };
    let Some(Value::Object(result)) = root.get("properties").and_then(|p| p.get("result")) else {
        return;
    };
    let Some(Value::Object(fields)) = result.get("properties") else {
        return;
    };
    let same = |a: &Value, b: &Value| {
        let (mut a, mut b) = (a.clone(), b.clone());
        drop_descriptions(&mut a);
        drop_descriptions(&mut b);
        a == b
    };
    let repeated = defs
        .iter()
        .filter_map(|(name, def)| {
            let own = def.get("properties")?.as_object()?;
            let all_here = own
                .iter()
                .all(|(k, v)| fields.get(k).is_some_and(|f| same(f, v)));
            (own.len() >= 2 && all_here).then(|| (name.clone(), own.len()))
        })
        .max_by_key(|(_, n)| *n);
    let Some((name, _)) = repeated else {
        return;
    };
    let def = &defs[&name];
    let inherited: Vec<String> = def["properties"]
        .as_object()
        .map_or_else(Vec::new, |p| p.keys().cloned().collect());
    let Some(Value::Object(result)) = root.get_mut("properties").and_then(|p| p.get_mut("result"))
    else {
        return;
    };
    if let Some(Value::Object(fields)) = result.get_mut("properties") {
        fields.retain(|k, _| !inherited.contains(k));
    }
    if let Some(Value::Array(required)) = result.get_mut("required") {
        required.retain(|k| k.as_str().is_none_or(|k| !inherited.iter().any(|i| i == k)));
    }
    result.insert(
        "allOf".into(),
        serde_json::json!([{ "$ref": format!("#/$defs/{name}") }]),
    );
}

/// Calls `f` on `schema` and then on every schema inside it. Subschemas sit under these
/// keywords; `properties` and `$defs` map names (a property may well be called `title`) to
/// schemas, so the maps themselves are not schemas.
fn each_subschema(schema: &mut Map<String, Value>, f: &mut impl FnMut(&mut Map<String, Value>)) {
    f(schema);
    let mut visit = |v: &mut Value| {
        if let Value::Object(sub) = v {
            each_subschema(sub, f);
        }
    };
    for keyword in ["properties", "$defs"] {
        if let Some(Value::Object(named)) = schema.get_mut(keyword) {
            named.values_mut().for_each(&mut visit);
        }
    }
    for keyword in ["items", "additionalProperties", "not"] {
        if let Some(sub) = schema.get_mut(keyword) {
            visit(sub);
        }
    }
    for keyword in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = schema.get_mut(keyword) {
            subs.iter_mut().for_each(&mut visit);
        }
    }
}

/// Drops the descriptions inside the `$defs` types that more than one of `outputs` defines,
/// and inside a `result` that more than one of them returns as is (a message from `send`,
/// `reply` and `read`): the same prose, paid for once per tool, says nothing new after the
/// first.
pub(crate) fn drop_repeated_prose(outputs: &mut [Map<String, Value>]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for output in outputs.iter() {
        for name in defs(output).map(|d| d.keys()).into_iter().flatten() {
            *seen.entry(name.clone()).or_default() += 1;
        }
        if let Some(shape) = result_shape(output) {
            *seen.entry(shape).or_default() += 1;
        }
    }
    let repeated = |key: &str| seen.get(key).is_some_and(|n| *n > 1);
    for output in outputs.iter_mut() {
        if result_shape(output).is_some_and(|shape| repeated(&shape)) {
            if let Some(result) = output
                .get_mut("properties")
                .and_then(|p| p.get_mut("result"))
            {
                drop_descriptions(result);
            }
        }
        if let Some(Value::Object(defs)) = output.get_mut("$defs") {
            for (name, def) in defs.iter_mut() {
                if repeated(name) {
                    drop_descriptions(def);
                }
            }
        }
    }
}

/// What an output's `result` is, prose aside, as text: two tools that return the same type
/// have the same shape. Only object types count (a list or a number says little).
fn result_shape(output: &Map<String, Value>) -> Option<String> {
    let result = output.get("properties")?.get("result")?;
    result.get("properties")?;
    let mut shape = result.clone();
    drop_descriptions(&mut shape);
    Some(format!("result {shape}"))
}

fn defs(schema: &Map<String, Value>) -> Option<&Map<String, Value>> {
    schema.get("$defs")?.as_object()
}

/// Removes every `description` keyword of a schema (a property named `description` stays).
fn drop_descriptions(v: &mut Value) {
    match v {
        Value::Object(schema) => {
            if schema.get("description").is_some_and(Value::is_string) {
                schema.remove("description");
            }
            schema.values_mut().for_each(drop_descriptions);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_descriptions),
        _ => {}
    }
}

/// Trims one schema object and everything it contains.
fn trim(schema: &mut Map<String, Value>) {
    each_subschema(schema, &mut |schema| {
        for keyword in ["$schema", "title", "format"] {
            schema.remove(keyword);
        }
        if schema.get("default") == Some(&Value::Null) {
            schema.remove("default");
        }
        if let Some(words) = schema.get("oneOf").and_then(constants) {
            schema.remove("oneOf");
            schema.insert("type".into(), "string".into());
            schema.insert("enum".into(), Value::Array(words));
        }
    });
}

/// The words of a `oneOf` whose every branch is one string constant.
fn constants(one_of: &Value) -> Option<Vec<Value>> {
    one_of
        .as_array()?
        .iter()
        .map(|branch| {
            let c = branch.get("const")?;
            (c.is_string() && branch.get("type").is_none_or(|t| t == "string")).then(|| c.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keywords_go_names_stay_and_word_lists_become_enums() {
        let Value::Object(schema) = json!({
            "$schema": "x", "title": "Req", "description": "the tool's doc",
            "type": "object",
            "properties": {
                "title": {"type": "string", "description": "kept: a property's doc"},
                "n": {"type": ["integer", "null"], "format": "int64", "default": null},
                "status": {"oneOf": [
                    {"const": "todo", "type": "string", "description": "ready"},
                    {"const": "done", "type": "string"},
                ]},
                "mixed": {"oneOf": [{"const": "a"}, {"type": "integer"}]},
            },
            "$defs": {"T": {"title": "T", "type": "object", "default": 3}},
        }) else {
            unreachable!()
        };
        let trimmed = Value::Object(request(schema));
        assert_eq!(
            trimmed,
            json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "kept: a property's doc"},
                    "n": {"type": ["integer", "null"]},
                    "status": {"type": "string", "enum": ["todo", "done"]},
                    "mixed": {"oneOf": [{"const": "a"}, {"type": "integer"}]},
                },
                "$defs": {"T": {"type": "object", "default": 3}},
            })
        );
    }

    #[test]
    fn a_result_that_flattens_a_definition_refers_to_it_and_says_no_default() {
        let Value::Object(result) = json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "its id"},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                "comments": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["id", "tags", "comments"],
        }) else {
            unreachable!()
        };
        let mut root = Map::new();
        root.insert(
            "properties".into(),
            json!({"result": Value::Object(response(result))}),
        );
        root.insert(
            "$defs".into(),
            json!({
                "Task": {"type": "object", "properties": {
                    "id": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                }, "required": ["id", "tags"]},
                // Shares one field only, and one other not at all: never the one referred to.
                "One": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Other": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "tags": {"type": "string"},
                }},
            }),
        );
        refer_to_flattened(&mut root);
        assert_eq!(
            root["properties"]["result"],
            json!({
                "type": "object",
                "allOf": [{"$ref": "#/$defs/Task"}],
                "properties": {"comments": {"type": "array", "items": {"type": "string"}}},
                "required": ["comments"],
            })
        );
    }
}
