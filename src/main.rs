//! `gradlab`, the command line: see `src/cli/` (a thin shell over the library).
//!
//! The command line is native only (its dependencies are declared for
//! non-wasm targets in Cargo.toml); a wasm32 build of the crate, as
//! `wasm-pack test` makes, still compiles this file, to a program that says so.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::run()
}

#[cfg(target_arch = "wasm32")]
fn main() {
    eprintln!("the gradlab command line runs natively only: build it with `cargo build --release`");
}
