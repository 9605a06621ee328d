//! The real Ethereum tools the tests use in place of mocks: anvil as an L1, cast and
//! ethers v6 as clients, solc for contracts. They come from the npm registry at pinned
//! versions, installed once into `target/test-tools` of the checkout; a test that
//! needs them fails (never skips) when they cannot be installed.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The npm packages, pinned.
pub const PACKAGES: [(&str, &str); 4] = [
    ("@foundry-rs/anvil", "1.7.1"),
    ("@foundry-rs/cast", "1.7.1"),
    ("ethers", "6.17.0"),
    ("solc", "0.8.26"),
];

/// Where the tools are installed: `target/test-tools` of the checkout.
pub fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-tools")
}

fn done_marker(dir: &Path) -> PathBuf {
    dir.join(".installed-v1")
}

/// Installs the pinned packages (once per checkout; other processes wait for the
/// first) and returns the folder holding `node_modules`.
pub fn install() -> PathBuf {
    let dir = tools_dir();
    let done = done_marker(&dir);
    if done.exists() {
        return dir;
    }
    std::fs::create_dir_all(&dir).expect("creating target/test-tools");
    let lock = dir.join(".installing");
    let started = Instant::now();
    loop {
        if done.exists() {
            return dir;
        }
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(_) if started.elapsed() > Duration::from_secs(600) => {
                // A stale lock from a killed install: take it over.
                let _ = std::fs::remove_dir(&lock);
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    let dependencies: Vec<String> = PACKAGES
        .iter()
        .map(|(name, version)| format!("\"{name}\": \"{version}\""))
        .collect();
    std::fs::write(
        dir.join("package.json"),
        format!(
            "{{\"name\": \"avm-test-tools\", \"private\": true, \"dependencies\": {{{}}}}}\n",
            dependencies.join(", ")
        ),
    )
    .expect("writing target/test-tools/package.json");
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir)
        .status();
    let _ = std::fs::remove_dir(&lock);
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => panic!(
            "npm install of the test tools ({PACKAGES:?}) in {} failed ({status}): \
             the tests that use anvil, cast, ethers or solc need Node.js, npm and the npm registry",
            dir.display()
        ),
        Err(e) => panic!(
            "running npm to install the test tools failed ({e}): the tests that use anvil, \
             cast, ethers or solc need Node.js and npm on the PATH"
        ),
    }
    std::fs::write(&done, "").expect("marking the test tools installed");
    dir
}

fn foundry_binary(tool: &str) -> PathBuf {
    let path = install()
        .join("node_modules/@foundry-rs")
        .join(format!("{tool}-linux-amd64"))
        .join("bin")
        .join(tool);
    assert!(
        path.is_file(),
        "{} is missing after installing @foundry-rs/{tool}: this machine may not be linux-amd64",
        path.display()
    );
    path
}

/// foundry's `cast` (called directly: the `.bin` wrapper loses the exit status).
pub fn cast() -> PathBuf {
    foundry_binary("cast")
}

/// foundry's `anvil`.
pub fn anvil() -> PathBuf {
    foundry_binary("anvil")
}

/// The `node_modules` folder (for `node` scripts that `require("ethers")`).
pub fn node_modules() -> PathBuf {
    install().join("node_modules")
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Waits until something answers JSON-RPC `eth_chainId` at `url`.
pub fn wait_for_rpc(url: &str, timeout: Duration) {
    let started = Instant::now();
    while started.elapsed() < timeout {
        let out = Command::new(cast())
            .args(["chain-id", "--rpc-url", url])
            .output();
        if out.is_ok_and(|o| o.status.success()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing answered at {url} within {timeout:?}");
}

/// A process killed when dropped (an anvil, an `avm l1`, a node).
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts anvil on a free port under London rules with a 0 base fee (as the embedded
/// L1 has); the process and its URL.
pub fn start_anvil() -> (Killed, String) {
    start_anvil_args(&[])
}

/// [`start_anvil`] with more of anvil's options.
pub fn start_anvil_args(extra: &[&str]) -> (Killed, String) {
    let port = free_port();
    let child = Command::new(anvil())
        .args([
            "--hardfork",
            "london",
            "--port",
            &port.to_string(),
            "--block-base-fee-per-gas",
            "0",
            "--silent",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("anvil starts");
    let url = format!("http://127.0.0.1:{port}");
    let anvil = Killed(child);
    wait_for_rpc(&url, Duration::from_secs(30));
    (anvil, url)
}

/// Runs `cast ARGS`, which must succeed; its trimmed stdout.
pub fn cast_ok(args: &[&str]) -> String {
    let out = Command::new(cast()).args(args).output().expect("cast runs");
    assert!(
        out.status.success(),
        "cast {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs `node` with `script` (JavaScript, able to `require` the installed packages)
/// and `input` on its stdin; its stdout, which it must exit 0 to give.
pub fn node_script(script: &str, input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("node")
        .args(["-e", script])
        .env("NODE_PATH", node_modules())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (the tests need Node.js on the PATH)");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .expect("writing node's stdin");
    }
    let out = child.wait_with_output().expect("node finishes");
    assert!(
        out.status.success(),
        "node script failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The EVM version contracts for ArbOS v58 are compiled for (it has CHAINID and
/// SELFBALANCE, not London's BASEFEE nor Shanghai's PUSH0).
pub const ARBOS_EVM_VERSION: &str = "istanbul";

/// A contract solc compiled.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Its ABI.
    pub abi: serde_json::Value,
    /// Its creation bytecode, `0x`-hex.
    pub bytecode: String,
}

/// Compiles Solidity `sources` (file name, text) with the pinned npm `solc`, optimised,
/// for `evm_version`; every contract by name. A compile error fails the test.
pub fn solc(
    sources: &[(&str, &str)],
    evm_version: &str,
) -> std::collections::BTreeMap<String, Compiled> {
    let input = serde_json::json!({
        "language": "Solidity",
        "sources": sources
            .iter()
            .map(|(name, text)| ((*name).to_owned(), serde_json::json!({"content": text})))
            .collect::<serde_json::Map<_, _>>(),
        "settings": {
            "optimizer": {"enabled": true, "runs": 200},
            "evmVersion": evm_version,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    });
    let script = r#"
        const solc = require("solc");
        let input = "";
        process.stdin.on("data", (d) => (input += d));
        process.stdin.on("end", () => process.stdout.write(solc.compile(input)));
    "#;
    let out: serde_json::Value =
        serde_json::from_str(&node_script(script, &input.to_string())).expect("solc's JSON");
    let errors: Vec<&serde_json::Value> = out["errors"]
        .as_array()
        .map(|e| e.iter().filter(|e| e["severity"] == "error").collect())
        .unwrap_or_default();
    assert!(errors.is_empty(), "solc: {errors:#?}");
    let mut contracts = std::collections::BTreeMap::new();
    for file in out["contracts"]
        .as_object()
        .into_iter()
        .flat_map(|f| f.values())
    {
        for (name, contract) in file.as_object().into_iter().flatten() {
            contracts.insert(
                name.clone(),
                Compiled {
                    abi: contract["abi"].clone(),
                    bytecode: format!(
                        "0x{}",
                        contract["evm"]["bytecode"]["object"]
                            .as_str()
                            .unwrap_or_default()
                    ),
                },
            );
        }
    }
    contracts
}

/// The Solidity source of a contract the tests deploy (`crates/testkit/contracts`):
/// `Token.sol` (a standard ERC-20), `Storage.sol`.
pub fn contract_source(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("contracts")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// [`solc`] over the test contracts (Token, Storage) and upstream's Fibonacci
/// (`fixtures/classic/l2-contracts/Fibonacci.sol`), for ArbOS's EVM version.
pub fn test_contracts() -> std::collections::BTreeMap<String, Compiled> {
    let fibonacci = std::fs::read_to_string(crate::fixtures().join("l2-contracts/Fibonacci.sol"))
        .expect("fixtures/classic/l2-contracts/Fibonacci.sol");
    solc(
        &[
            ("Fibonacci.sol", &fibonacci),
            ("Storage.sol", &contract_source("Storage.sol")),
            ("Token.sol", &contract_source("Token.sol")),
        ],
        ARBOS_EVM_VERSION,
    )
}
