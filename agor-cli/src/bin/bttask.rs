//! The native `bttask` binary: hands argv to the library and exits with its code.
//! Scripts and hooks call it directly, so it does nothing else.

fn main() {
    std::process::exit(agor_cli::bttask_main(std::env::args_os().collect()));
}
