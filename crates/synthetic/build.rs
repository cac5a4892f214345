//! Finds the Khmer name lists (../shared/data/khmer/names, or `$SCRUTINEER_SHARED/data/khmer/names`)
//! that `synthetic::roll` compiles in, so the generator reads no file at run time and the lists
//! are never copied into the repository.

use std::path::PathBuf;

const FILES: [&str; 2] = ["kname_surnames.tsv", "kname_given_names.tsv"];

fn main() {
    println!("cargo:rerun-if-env-changed=SCRUTINEER_SHARED");
    let shared = match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"))
            .join("../../../shared"),
    };
    let dir = shared.join("data/khmer/names");
    for file in FILES {
        let path = dir.join(file);
        if !path.is_file() {
            panic!(
                "{}: missing; the synthetic roll is built from the Khmer name lists in the shared \
                 folder beside the checkout (set SCRUTINEER_SHARED to that folder)",
                path.display()
            );
        }
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let dir = dir.canonicalize().expect("the directory exists");
    println!("cargo:rustc-env=KHMER_NAMES={}", dir.display());
}
