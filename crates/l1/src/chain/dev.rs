//! The development accounts every Ethereum dev tool knows: the first keys of the test
//! mnemonic, as anvil and hardhat print them, so wallets and scripts written for those
//! work against avm's dev chains unchanged.

use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner};

use super::types::L1Error;

/// The test mnemonic anvil and hardhat derive their dev accounts from.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// A dev account: its address and signing key.
#[derive(Clone, Debug)]
pub struct DevAccount {
    /// The address.
    pub address: [u8; 20],
    /// The secp256k1 private key.
    pub key: [u8; 32],
}

impl DevAccount {
    /// The account of a private key.
    pub fn from_key(key: [u8; 32]) -> Result<DevAccount, L1Error> {
        let signer = PrivateKeySigner::from_bytes(&key.into())
            .map_err(|e| L1Error::Invalid(format!("not a secp256k1 private key: {e}")))?;
        Ok(DevAccount {
            address: signer.address().into_array(),
            key,
        })
    }

    /// The account of a private key written as hex (`0x` optional).
    pub fn from_hex(text: &str) -> Result<DevAccount, L1Error> {
        let digits = text.trim().strip_prefix("0x").unwrap_or(text.trim());
        let bytes = hex::decode(digits)
            .map_err(|e| L1Error::Invalid(format!("a private key is 32 bytes of hex: {e}")))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| L1Error::Invalid("a private key is 32 bytes of hex".into()))?;
        DevAccount::from_key(key)
    }

    /// The signer alloy signs with.
    pub(crate) fn signer(&self) -> Result<PrivateKeySigner, L1Error> {
        PrivateKeySigner::from_bytes(&self.key.into())
            .map_err(|e| L1Error::Invalid(format!("not a secp256k1 private key: {e}")))
    }
}

/// The first `count` accounts of [`DEV_MNEMONIC`] (path m/44'/60'/0'/0/i).
pub fn dev_accounts(count: u32) -> Result<Vec<DevAccount>, L1Error> {
    (0..count)
        .map(|i| {
            let signer = MnemonicBuilder::english()
                .phrase(DEV_MNEMONIC)
                .index(i)
                .and_then(|b| b.build())
                .map_err(|e| L1Error::Invalid(format!("deriving dev account {i}: {e}")))?;
            Ok(DevAccount {
                address: signer.address().into_array(),
                key: signer.to_bytes().0,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_accounts_are_anvils() {
        // anvil prints these for the test mnemonic.
        let accounts = dev_accounts(2).unwrap_or_default();
        assert_eq!(
            hex::encode(accounts[0].address),
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        assert_eq!(
            hex::encode(accounts[0].key),
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        );
        assert_eq!(
            hex::encode(accounts[1].address),
            "70997970c51812dc3a010c7d01b50e0d17dc79c8"
        );
        let again = DevAccount::from_hex(
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        )
        .map(|a| a.address);
        assert_eq!(again.ok(), Some(accounts[1].address));
        assert!(DevAccount::from_hex("0x12").is_err());
        assert!(DevAccount::from_hex(&"00".repeat(32)).is_err());
    }
}
