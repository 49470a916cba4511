//! What the MCP revision asks a server to say about itself (SPEC §11): every tool's
//! annotations, derived from the catalogue's [`Effect`] of its operation so a client can tell
//! a read from a purge, and the server's name and version in the `_meta` of every result.

use agor_core::ops::{Effect, Operation};
use rmcp::model::{Implementation, MetaObject, Tool, ToolAnnotations};

/// The `_meta` key naming the server software of a result.
pub(crate) const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";

/// The server's name and version.
pub(crate) fn server_info() -> Implementation {
    Implementation::new("agor", env!("CARGO_PKG_VERSION"))
}

/// A result's `_meta`: the server's name and version.
pub(crate) fn meta() -> MetaObject {
    let info = serde_json::to_value(server_info()).unwrap_or_default();
    MetaObject([(SERVER_INFO_KEY.to_owned(), info)].into_iter().collect())
}

/// The tool of `op` with its title and annotations.
pub(crate) fn annotate(tool: Tool, op: &Operation) -> Tool {
    let title = title(op.name);
    tool.with_title(title.clone())
        .annotate(annotations(title, op.effect))
}

fn annotations(title: String, effect: Effect) -> ToolAnnotations {
    ToolAnnotations::from_raw(
        Some(title),
        Some(effect.read_only()),
        Some(effect.destructive()),
        Some(effect.idempotent()),
        // Only the team's database: no web, no outside services.
        Some(false),
    )
}

/// `claim_task` -> `Claim task`.
fn title(name: &str) -> String {
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_annotated_from_its_operation() {
        let tools = crate::tools::all();
        assert_eq!(tools.len(), agor_core::ops::names().len());
        for ((_, tool), op) in tools.iter().zip(agor_core::ops::catalogue()) {
            let a = tool.annotations.as_ref().unwrap();
            assert_eq!(a.read_only_hint, Some(op.effect.read_only()), "{}", op.name);
            assert_eq!(a.destructive_hint, Some(op.effect.destructive()));
            assert_eq!(a.idempotent_hint, Some(op.effect.idempotent()));
            assert_eq!(a.open_world_hint, Some(false));
            assert!(tool.title.as_deref().is_some_and(|t| !t.is_empty()));
        }
        assert_eq!(title("purge_agent"), "Purge agent");
        assert_eq!(meta().0[SERVER_INFO_KEY]["name"], "agor");
    }
}
