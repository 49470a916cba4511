//! The native `btmsg` binary: hands argv to the library and exits with its code.
//! Hooks call it on every prompt, so it does nothing else.

fn main() {
    std::process::exit(agor_cli::btmsg_main(std::env::args_os().collect()));
}
