//! Finds the Khmer name lists (../shared/data/khmer/names, or `$SCRUTINEER_SHARED/data/khmer/names`)
//! that `synthetic::roll` compiles in, so the generator reads no file at run time and the lists
//! are never copied into the repository. Without the shared folder (a checkout on its own) the
//! build goes on with a handful of common names, with a warning, so that `scrutineer demo`
//! still builds; the tests and benchmarks need the real lists.

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
    println!("cargo:rerun-if-changed={}", dir.display());
    if FILES.iter().all(|f| dir.join(f).is_file()) {
        for file in FILES {
            println!("cargo:rerun-if-changed={}", dir.join(file).display());
        }
        let dir = dir.canonicalize().expect("the directory exists");
        println!("cargo:rustc-env=KHMER_NAMES={}", dir.display());
        return;
    }
    println!(
        "cargo:warning={}: the Khmer name lists are missing; the synthetic roll uses a few \
         common names instead (set SCRUTINEER_SHARED to the shared folder for the real lists)",
        dir.display()
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("names");
    std::fs::create_dir_all(&out).expect("OUT_DIR is writable");
    let header =
        "# A few common names, used when the shared lists are missing.\nkhmer\tromanised\n";
    let family = "សុខ\tSok\nចាន់\tChan\nកែវ\tKeo\nលី\tLy\nម៉ៅ\tMao\nសេង\tSeng\n";
    let given = "ដារ៉ា\tDara\nសុភា\tSophea\nវណ្ណា\tVanna\nរតនា\tRatana\nពិសិដ្ឋ\tPiseth\nធីតា\tThida\n";
    for (file, names) in FILES.iter().zip([family, given]) {
        std::fs::write(out.join(file), format!("{header}{names}")).expect("OUT_DIR is writable");
    }
    println!("cargo:rustc-env=KHMER_NAMES={}", out.display());
}
