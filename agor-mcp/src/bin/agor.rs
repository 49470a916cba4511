//! The `agor` command: `agor mcp` serves the catalogue to coding agents (see the crate docs).

fn main() {
    std::process::exit(agor_mcp::agor_main(std::env::args_os().collect()));
}
