//! `gradlab faces ...` (parts 8 and 9).

use anyhow::Result;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum FacesCommand {}

pub fn run(command: FacesCommand) -> Result<()> {
    match command {}
}
