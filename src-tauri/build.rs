//! Build script: lets Tauri read tauri.conf.json and capabilities/ and embed them.

fn main() {
    tauri_build::build()
}
