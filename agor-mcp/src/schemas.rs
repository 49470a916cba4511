//! The catalogue's JSON Schemas made lean for a coding agent's context (each tool definition
//! is paid for in every session): what a client does not need to call a tool or read its
//! result goes — the `$schema` line, schemars' type names (`title`), `format`s such as
//! `int64`, `"default": null` (absent already means the default), and the request's own
//! description (it is the tool's description). A word-list (`oneOf` of constants, each with
//! its own doc) becomes one `enum`. Shared types stay defined once per tool, under `$defs`,
//! and the prose of a type many tools return (a task, a message) is not repeated in each:
//! only the types of one tool's own result keep their field descriptions.

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
    schema
}

/// Drops the descriptions inside the `$defs` types that more than one of `outputs` defines:
/// the same prose, paid for once per tool, says nothing new after the first.
pub(crate) fn drop_repeated_prose(outputs: &mut [Map<String, Value>]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for output in outputs.iter() {
        for name in defs(output).map(|d| d.keys()).into_iter().flatten() {
            *seen.entry(name.clone()).or_default() += 1;
        }
    }
    for output in outputs.iter_mut() {
        if let Some(Value::Object(defs)) = output.get_mut("$defs") {
            for (name, def) in defs.iter_mut() {
                if seen.get(name).is_some_and(|n| *n > 1) {
                    drop_descriptions(def);
                }
            }
        }
    }
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
    // Subschemas sit under these keywords; `properties` and `$defs` map names (a property may
    // well be called `title`) to schemas.
    for keyword in ["properties", "$defs"] {
        if let Some(Value::Object(named)) = schema.get_mut(keyword) {
            named.values_mut().for_each(trim_value);
        }
    }
    for keyword in ["items", "additionalProperties", "not"] {
        if let Some(sub) = schema.get_mut(keyword) {
            trim_value(sub);
        }
    }
    for keyword in ["anyOf", "oneOf", "allOf", "prefixItems"] {
        if let Some(Value::Array(subs)) = schema.get_mut(keyword) {
            subs.iter_mut().for_each(trim_value);
        }
    }
}

fn trim_value(v: &mut Value) {
    if let Value::Object(schema) = v {
        trim(schema);
    }
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
}
