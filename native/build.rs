//! Link flags for the addon. `-z now` makes the dynamic loader resolve every undefined symbol
//! (the N-API and OpenSSL functions we expect the `node` binary to export) when the addon is
//! loaded. Without it a missing symbol would surface lazily, at the first call, as a fatal
//! "symbol lookup error" that kills the process; with it, `require()` throws and the backend
//! selection falls back to WASM or TypeScript.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,now");
    println!("cargo:rerun-if-changed=build.rs");
}
