//! The versioned model file format shared by every trained model.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! offset  size  field
//! 0       8     magic  b"NEWSTAG\0"
//! 8       4     kind   four ASCII bytes, e.g. b"POS_", b"CHNK", b"NER_", b"GAZ_", b"RANK", b"DF__"
//! 12      2     format version of that kind
//! 14      2     reserved (0)
//! 16      8     payload length n
//! 24      4     CRC-32 of the payload
//! 28      n     payload: the kind's serde structure encoded with bincode 1 (fixint, little-endian)
//! ```
//!
//! Loading checks each field and returns [`Error::Model`] naming what is wrong,
//! never panics, and never allocates more than the file holds.

use crate::error::{Error, Result};
use bincode::Options;
use serde::{de::DeserializeOwned, Serialize};

/// The one bincode configuration every model uses, for writing and reading alike.
fn options() -> impl Options {
    bincode::DefaultOptions::new().with_fixint_encoding().with_little_endian()
}

/// The 8 bytes every newstag model file starts with.
pub const MAGIC: &[u8; 8] = b"NEWSTAG\0";
/// Bytes before the payload: magic, kind, version, reserved, payload length, CRC-32.
pub(crate) const HEADER_LEN: usize = 28;

/// Identifies one model kind and the format version this build reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelKind {
    /// Four ASCII bytes.
    pub tag: [u8; 4],
    /// The payload format version this build reads and writes.
    pub version: u16,
}

impl ModelKind {
    /// The kind tag as text.
    pub fn name(&self) -> String {
        String::from_utf8_lossy(&self.tag).into_owned()
    }
}

/// Metadata read from a model file's header without decoding the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelHeader {
    /// Kind tag.
    pub kind: [u8; 4],
    /// Format version.
    pub version: u16,
    /// Payload length in bytes.
    pub payload_len: u64,
    /// CRC-32 of the payload.
    pub crc32: u32,
}

/// Reads the header of a model file.
pub fn read_header(bytes: &[u8]) -> Result<ModelHeader> {
    let bad = |reason: &str| Error::model("?", reason);
    if bytes.len() < HEADER_LEN {
        return Err(bad("file too short to be a newstag model"));
    }
    if &bytes[..8] != MAGIC {
        return Err(bad("not a newstag model file (bad magic)"));
    }
    let mut kind = [0u8; 4];
    kind.copy_from_slice(&bytes[8..12]);
    let version = u16::from_le_bytes([bytes[12], bytes[13]]);
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[16..24]);
    let payload_len = u64::from_le_bytes(len);
    let crc32 = u32::from_le_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]);
    Ok(ModelHeader { kind, version, payload_len, crc32 })
}

/// Encodes `value` as a model file of `kind`.
pub fn encode<T: Serialize>(kind: ModelKind, value: &T) -> Result<Vec<u8>> {
    let payload = options().serialize(value).map_err(|e| Error::model(kind.name(), e))?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&kind.tag);
    out.extend_from_slice(&kind.version.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Decodes a model file of `kind`, checking magic, kind, version, length and checksum.
pub fn decode<T: DeserializeOwned>(kind: ModelKind, bytes: &[u8]) -> Result<T> {
    let name = kind.name();
    let header = read_header(bytes).map_err(|e| match e {
        Error::Model { reason, .. } => Error::model(&name, reason),
        other => other,
    })?;
    if header.kind != kind.tag {
        return Err(Error::model(
            &name,
            format!("file holds a {} model", String::from_utf8_lossy(&header.kind)),
        ));
    }
    if header.version != kind.version {
        return Err(Error::model(
            &name,
            format!(
                "format version {} but this build reads version {}; retrain or use a matching newstag",
                header.version, kind.version
            ),
        ));
    }
    let payload = &bytes[HEADER_LEN..];
    if payload.len() as u64 != header.payload_len {
        return Err(Error::model(
            &name,
            format!(
                "truncated or padded: header says {} payload bytes, file has {}",
                header.payload_len,
                payload.len()
            ),
        ));
    }
    if crc32fast::hash(payload) != header.crc32 {
        return Err(Error::model(&name, "checksum mismatch: the file is corrupt"));
    }
    options()
        .with_limit(payload.len() as u64 * 4 + 1024)
        .deserialize(payload)
        .map_err(|e| Error::model(&name, format!("payload does not decode: {e}")))
}

/// Reads a model file from disk.
pub fn load_file<T: DeserializeOwned>(kind: ModelKind, path: &std::path::Path) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(format!("reading model {}", path.display()), e))?;
    decode(kind, &bytes)
}

/// The model built into the binary as `file` (of `newstag-models`), decoded by `decode` on first
/// use and kept in `cell`: every model's `embedded()` is this one line. A file missing from the
/// build, or one that does not decode, is an [`Error::Model`] of `kind` every time it is asked for.
#[cfg(feature = "embedded")]
pub fn embedded<T>(
    cell: &'static std::sync::OnceLock<std::result::Result<T, String>>,
    file: &str,
    kind: &str,
    decode: impl FnOnce(&'static [u8]) -> Result<T>,
) -> Result<&'static T> {
    cell.get_or_init(|| {
        let bytes = newstag_models::get(file).ok_or_else(|| {
            let stem = file.trim_end_matches(".bin");
            format!("{file} is not built in; run `newstag train {stem}` and rebuild")
        })?;
        decode(bytes).map_err(|e| match e {
            Error::Model { reason, .. } => reason,
            other => other.to_string(),
        })
    })
    .as_ref()
    .map_err(|reason| Error::model(kind, reason.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: ModelKind = ModelKind { tag: *b"TEST", version: 3 };

    #[test]
    fn round_trip() {
        let v: Vec<(String, u32)> = vec![("a".into(), 1), ("b".into(), 2)];
        let bytes = encode(K, &v).unwrap();
        let back: Vec<(String, u32)> = decode(K, &bytes).unwrap();
        assert_eq!(v, back);
    }

    #[test]
    fn rejects_damage() {
        let bytes = encode(K, &vec![1u32, 2, 3]).unwrap();
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", vec![], "too short"),
            (
                "magic",
                {
                    let mut b = bytes.clone();
                    b[0] = b'X';
                    b
                },
                "bad magic",
            ),
            (
                "kind",
                {
                    let mut b = bytes.clone();
                    b[8] = b'X';
                    b
                },
                "holds a XEST",
            ),
            (
                "version",
                {
                    let mut b = bytes.clone();
                    b[12] = 9;
                    b
                },
                "format version 9",
            ),
            ("truncated", bytes[..bytes.len() - 1].to_vec(), "truncated"),
            (
                "crc",
                {
                    let mut b = bytes.clone();
                    let n = b.len();
                    b[n - 1] ^= 1;
                    b
                },
                "checksum",
            ),
        ];
        for (name, input, want) in cases {
            let err = decode::<Vec<u32>>(K, &input).unwrap_err().to_string();
            assert!(err.contains(want), "{name}: {err}");
        }
    }

    #[test]
    fn huge_length_prefix_does_not_allocate() {
        // A payload claiming a 2^60-element vector must fail, not allocate.
        let payload = (1u64 << 60).to_le_bytes().to_vec();
        let mut b = Vec::new();
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&K.tag);
        b.extend_from_slice(&K.version.to_le_bytes());
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        b.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        b.extend_from_slice(&payload);
        assert!(decode::<Vec<u64>>(K, &b).is_err());
    }
}
