//! `gradlab`, the command line: see `src/cli/` (a thin shell over the library).
//!
//! The command line is native only (its dependencies are declared for
//! non-wasm targets in Cargo.toml); a wasm32 build of the crate, as
//! `wasm-pack test` makes, still compiles this file, to a program that says so.

#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    // A reader that stops early (`gradlab ... --json | head`) ends the
    // program quietly, as it ends other command-line tools: Rust ignores
    // SIGPIPE, so every `println!` after the pipe closed would panic instead.
    #[cfg(unix)]
    // SAFETY: called first, before any other thread exists; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::run()
}

#[cfg(target_arch = "wasm32")]
fn main() {
    eprintln!("the gradlab command line runs natively only: build it with `cargo build --release`");
}
