//! Bech32 and Bech32m (BIP-173, BIP-350) decoding of segregated-witness addresses.
//!
//! [`decode_segwit`] checks everything the BIPs require of an address: one case, the checksum
//! constant matching the witness version (Bech32 for v0, Bech32m for v1..=16), a witness program
//! of 2..=40 bytes (exactly 20 or 32 for v0) and zero padding. The human-readable part is returned
//! so the caller decides which chains it knows. Anything else is `None`.

/// The 32-character data alphabet.
const CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Checksum constant of the original Bech32 (BIP-173).
const BECH32_CONST: u32 = 1;

/// Checksum constant of Bech32m (BIP-350).
const BECH32M_CONST: u32 = 0x2bc8_30a3;

/// A decoded segwit address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segwit {
    /// Human-readable part, lowercase (`bc`, `ltc`).
    pub hrp: String,
    /// Witness version 0..=16.
    pub version: u8,
    /// Witness program bytes.
    pub program: Vec<u8>,
}

fn polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// The HRP expanded as BIP-173 defines it for the checksum.
fn hrp_expand(hrp: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let high = hrp.iter().map(|c| c >> 5);
    let low = hrp.iter().map(|c| c & 31);
    high.chain(std::iter::once(0)).chain(low)
}

/// Regroups bits (5 → 8 when decoding); `None` on non-zero or over-long padding.
fn convert_bits(data: &[u8], from: u32, to: u32, pad: bool) -> Option<Vec<u8>> {
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    let mut out = Vec::new();
    let max = (1u32 << to) - 1;
    for &value in data {
        acc = (acc << from) | u32::from(value);
        bits += from;
        while bits >= to {
            bits -= to;
            out.push(((acc >> bits) & max) as u8);
        }
    }
    if pad {
        if bits > 0 {
            out.push(((acc << (to - bits)) & max) as u8);
        }
    } else if bits >= from || (acc << (to - bits)) & max != 0 {
        return None;
    }
    Some(out)
}

/// Decodes and validates a segwit address (any HRP).
pub(crate) fn decode_segwit(address: &str) -> Option<Segwit> {
    if address.len() > 90 || !address.is_ascii() {
        return None;
    }
    let has_lower = address.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = address.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper {
        return None;
    }
    let lower = address.to_ascii_lowercase();
    let sep = lower.rfind('1')?;
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 + 1 {
        return None;
    }

    let values: Vec<u8> = data
        .bytes()
        .map(|c| CHARSET.iter().position(|&x| x == c).map(|p| p as u8))
        .collect::<Option<_>>()?;
    let constant = polymod(hrp_expand(hrp.as_bytes()).chain(values.iter().copied()));

    let version = values[0];
    let program = convert_bits(&values[1..values.len() - 6], 5, 8, false)?;
    let valid = match version {
        0 => constant == BECH32_CONST && (program.len() == 20 || program.len() == 32),
        1..=16 => constant == BECH32M_CONST && (2..=40).contains(&program.len()),
        _ => false,
    };
    valid.then(|| Segwit {
        hrp: hrp.to_string(),
        version,
        program,
    })
}

/// Encodes a segwit address (test helper).
#[cfg(test)]
pub(crate) fn encode_segwit(hrp: &str, version: u8, program: &[u8]) -> String {
    let mut values = vec![version];
    values.extend(convert_bits(program, 8, 5, true).expect("padding allowed"));
    let constant = if version == 0 {
        BECH32_CONST
    } else {
        BECH32M_CONST
    };
    let check_input = hrp_expand(hrp.as_bytes())
        .chain(values.iter().copied())
        .chain([0; 6]);
    let pm = polymod(check_input) ^ constant;
    values.extend((0..6).map(|i| ((pm >> (5 * (5 - i))) & 31) as u8));
    let data: String = values
        .iter()
        .map(|&v| CHARSET[v as usize] as char)
        .collect();
    format!("{hrp}1{data}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_bip_test_vectors() {
        // BIP-173 P2WPKH (upper case) and P2WSH, BIP-350 P2TR.
        let p2wpkh = decode_segwit("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4").unwrap();
        assert_eq!(
            (p2wpkh.hrp.as_str(), p2wpkh.version, p2wpkh.program.len()),
            ("bc", 0, 20)
        );
        let p2wsh = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3";
        assert_eq!(decode_segwit(p2wsh).unwrap().program.len(), 32);
        let p2tr = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0";
        assert_eq!(decode_segwit(p2tr).unwrap().version, 1);
    }

    #[test]
    fn rejects_wrong_checksum_constant_case_and_length() {
        // The BIP-173 P2WPKH vector with its last character changed.
        assert!(decode_segwit("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5").is_none());
        // A v1 program under the old Bech32 constant.
        let v1_bech32 = encode_segwit_with("bc", 1, &[7; 32], BECH32_CONST);
        assert!(decode_segwit(&v1_bech32).is_none());
        // Mixed case.
        assert!(decode_segwit("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").is_none());
        // v0 with a 16-byte program.
        assert!(decode_segwit(&encode_segwit("bc", 0, &[1; 16])).is_none());
    }

    #[test]
    fn round_trips_litecoin() {
        let address = encode_segwit("ltc", 0, &[0x42; 20]);
        assert!(address.starts_with("ltc1q"));
        let decoded = decode_segwit(&address).unwrap();
        assert_eq!(
            (decoded.hrp.as_str(), decoded.program),
            ("ltc", vec![0x42; 20])
        );
    }

    /// Encodes with an arbitrary checksum constant, to build deliberately wrong addresses.
    fn encode_segwit_with(hrp: &str, version: u8, program: &[u8], constant: u32) -> String {
        let mut values = vec![version];
        values.extend(convert_bits(program, 8, 5, true).unwrap());
        let input = hrp_expand(hrp.as_bytes())
            .chain(values.iter().copied())
            .chain([0; 6]);
        let pm = polymod(input) ^ constant;
        values.extend((0..6).map(|i| ((pm >> (5 * (5 - i))) & 31) as u8));
        let data: String = values
            .iter()
            .map(|&v| CHARSET[v as usize] as char)
            .collect();
        format!("{hrp}1{data}")
    }
}
