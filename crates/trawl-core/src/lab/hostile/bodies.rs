//! Hostile response bodies: endless, compressed-bomb, trickled, never-sent, and a download.
//!
//! Large bodies are generated while they are sent, from one small shared chunk, so a client that
//! reads 10 GB costs the lab no memory. Every stream ends early when the lab shuts down.

use std::convert::Infallible;
use std::io::Write;
use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use futures::{Stream, StreamExt, stream};

use super::super::serve::Shutdown;
use super::super::site::page;

/// Length `/__lab/huge` announces and sends: 10 GB.
pub const HUGE_BODY_BYTES: u64 = 10_000_000_000;

/// Size of `/__lab/gzip-bomb` once inflated: 10 GiB of zeros.
pub const GZIP_BOMB_INFLATED_BYTES: u64 = 10 << 30;

/// Zeros one repeated deflate chunk of the bomb inflates to (16 MiB, about 16 KB compressed).
const GZIP_CHUNK_INFLATED: usize = 16 << 20;

/// Size of each chunk of `/__lab/huge`.
const HUGE_CHUNK: usize = 64 << 10;

/// Bounds of `/__lab/slow`.
const SLOW_MAX_MS: u64 = 60_000;
const SLOW_MAX_CHUNKS: u64 = 1000;

/// Files (all empty) inside the `/__lab/download` zip.
const DOWNLOAD_FILES: [&str; 3] = [
    "lab-kit/index.php",
    "lab-kit/next.php",
    "lab-kit/readme.txt",
];

/// `/__lab/huge`: 10 GB of repeated HTML-ish text, produced as it is sent.
pub(super) fn huge(shutdown: Shutdown) -> Response {
    let line = b"<p>lab: huge body, keep reading</p>\n";
    let chunk: Bytes = line
        .iter()
        .copied()
        .cycle()
        .take(HUGE_CHUNK)
        .collect::<Vec<u8>>()
        .into();
    let body = Body::from_stream(repeated(chunk, HUGE_BODY_BYTES, shutdown));

    Response::builder()
        .header(header::CONTENT_TYPE, "text/html")
        .header(header::CONTENT_LENGTH, HUGE_BODY_BYTES)
        .body(body)
        .expect("static response parts are valid")
}

/// `/__lab/gzip-bomb`: one gzip member whose deflate stream is a precomputed, byte-aligned
/// run of blocks (16 MiB of zeros, no back-reference before its start) repeated, then an empty
/// final block and a correct trailer. Every gzip decoder inflates it to
/// [`GZIP_BOMB_INFLATED_BYTES`], not only those that accept concatenated members.
pub(super) async fn gzip_bomb(shutdown: Shutdown) -> Response {
    let Ok(bomb) = tokio::task::spawn_blocking(GzipBomb::get).await else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Error",
            "lab: no gzip bomb",
        );
    };
    let repeats = GZIP_BOMB_INFLATED_BYTES / GZIP_CHUNK_INFLATED as u64;
    let (header, trailer) = (bomb.header(), bomb.trailer(repeats));
    let wire_bytes = (header.len() + trailer.len()) as u64 + repeats * bomb.chunk.len() as u64;

    let middle = repeated(
        bomb.chunk.clone(),
        repeats * bomb.chunk.len() as u64,
        shutdown,
    );
    let parts = stream::iter([Ok(header)])
        .chain(middle)
        .chain(stream::iter([Ok(trailer)]));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/html")
        .header(header::CONTENT_ENCODING, "gzip")
        .header(header::CONTENT_LENGTH, wire_bytes)
        .body(Body::from_stream(parts))
        .expect("static response parts are valid")
}

/// The repeated part of the gzip bomb, computed once per process.
struct GzipBomb {
    /// Raw deflate blocks for [`GZIP_CHUNK_INFLATED`] zeros, ending on a byte boundary.
    chunk: Bytes,
    /// CRC-32 state of the zeros one chunk inflates to.
    chunk_crc: flate2::Crc,
}

impl GzipBomb {
    fn get() -> &'static GzipBomb {
        static BOMB: OnceLock<GzipBomb> = OnceLock::new();
        BOMB.get_or_init(|| {
            let zeros = vec![0u8; 1 << 20];
            let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
            let mut chunk_crc = flate2::Crc::new();
            for _ in 0..GZIP_CHUNK_INFLATED / zeros.len() {
                encoder
                    .write_all(&zeros)
                    .expect("writing to a Vec cannot fail");
                chunk_crc.update(&zeros);
            }
            // A sync flush ends the (non-final) blocks on a byte boundary.
            encoder.flush().expect("writing to a Vec cannot fail");
            let chunk = Bytes::from(encoder.get_ref().clone());
            GzipBomb { chunk, chunk_crc }
        })
    }

    /// gzip header: magic, deflate, no flags, no time, unknown OS.
    fn header(&self) -> Bytes {
        Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
    }

    /// Empty final deflate block, then CRC-32 and size (mod 2^32) of `repeats` chunks.
    fn trailer(&self, repeats: u64) -> Bytes {
        let mut crc = flate2::Crc::new();
        (0..repeats).for_each(|_| crc.combine(&self.chunk_crc));
        let size = repeats * GZIP_CHUNK_INFLATED as u64;
        let mut trailer = vec![0x03, 0x00];
        trailer.extend_from_slice(&crc.sum().to_le_bytes());
        trailer.extend_from_slice(&(size as u32).to_le_bytes());
        Bytes::from(trailer)
    }
}

/// `total` bytes made of `chunk` repeated (the last copy cut short), stopping early when the
/// lab shuts down.
fn repeated(
    chunk: Bytes,
    total: u64,
    shutdown: Shutdown,
) -> impl Stream<Item = Result<Bytes, Infallible>> {
    stream::unfold(total, move |left| {
        let next = (left > 0 && !shutdown.is_set()).then(|| {
            let n = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            (Ok(chunk.slice(..n)), left - n as u64)
        });
        std::future::ready(next)
    })
}

/// `/__lab/slow`: headers at once, then `chunks` pieces of HTML `ms` milliseconds apart.
pub(super) fn slow(ms: Option<u64>, chunks: Option<u64>, shutdown: Shutdown) -> Response {
    let delay = Duration::from_millis(ms.unwrap_or(500).min(SLOW_MAX_MS));
    let count = chunks.unwrap_or(10).min(SLOW_MAX_CHUNKS);
    let pieces = stream::unfold(0u64, move |i| {
        let shutdown = shutdown.clone();
        async move {
            if i >= count {
                return None;
            }
            tokio::select! {
                _ = shutdown.wait() => return None,
                _ = tokio::time::sleep(delay) => {}
            }
            let piece = Bytes::from(format!("<p>lab: slow chunk {}</p>\n", i + 1));
            Some((Ok::<_, Infallible>(piece), i + 1))
        }
    });

    Response::builder()
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::from_stream(pieces))
        .expect("static response parts are valid")
}

/// `/__lab/hang`: holds the request without answering until the lab shuts down.
pub(super) async fn hang(shutdown: &Shutdown) -> Response {
    shutdown.wait().await;
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Stopping",
        "lab: shutting down",
    )
}

/// `/__lab/download`: an attachment zip of empty files.
pub(super) fn download() -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/zip")
        .header(
            header::CONTENT_DISPOSITION,
            r#"attachment; filename="lab-kit.zip""#,
        )
        .body(Body::from(zip_of_empty_files(&DOWNLOAD_FILES)))
        .expect("static response parts are valid")
}

/// A zip archive (stored, no compression) holding empty files with these names.
fn zip_of_empty_files(names: &[&str]) -> Vec<u8> {
    // 1980-01-01 00:00 in MS-DOS date/time format.
    const DOS_DATE: u16 = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();

    for name in names {
        let offset = out.len() as u32;
        // Local file header: signature, version 2.0, flags, method 0, time, date, CRC-32 and
        // sizes (all zero for an empty file), name length, extra length, name.
        put32(&mut out, 0x0403_4b50);
        put16s(&mut out, &[20, 0, 0, 0, DOS_DATE]);
        put32s(&mut out, &[0, 0, 0]);
        put16s(&mut out, &[name.len() as u16, 0]);
        out.extend_from_slice(name.as_bytes());

        // Central directory entry for the same file.
        put32(&mut central, 0x0201_4b50);
        put16s(&mut central, &[20, 20, 0, 0, 0, DOS_DATE]);
        put32s(&mut central, &[0, 0, 0]);
        put16s(&mut central, &[name.len() as u16, 0, 0, 0, 0]);
        put32s(&mut central, &[0, offset]);
        central.extend_from_slice(name.as_bytes());
    }

    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    // End of central directory: disk numbers, entry counts, directory size and offset.
    put32(&mut out, 0x0605_4b50);
    let count = names.len() as u16;
    put16s(&mut out, &[0, 0, count, count]);
    put32s(&mut out, &[central_size, central_offset]);
    put16s(&mut out, &[0]);
    out
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32s(out: &mut Vec<u8>, values: &[u32]) {
    values.iter().for_each(|v| put32(out, *v));
}

fn put16s(out: &mut Vec<u8>, values: &[u16]) {
    values
        .iter()
        .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    #[test]
    fn gzip_bomb_is_one_valid_member_of_zeros() {
        let bomb = GzipBomb::get();
        assert!(
            bomb.chunk.len() < GZIP_CHUNK_INFLATED / 500,
            "{} bytes",
            bomb.chunk.len()
        );

        let mut small = bomb.header().to_vec();
        (0..3).for_each(|_| small.extend_from_slice(&bomb.chunk));
        small.extend_from_slice(&bomb.trailer(3));
        let mut inflated = Vec::new();
        // GzDecoder reads one member and checks its CRC and size.
        GzDecoder::new(&small[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated.len(), 3 * GZIP_CHUNK_INFLATED);
        assert!(inflated.iter().all(|b| *b == 0));
    }

    #[test]
    fn zip_lists_every_name_in_its_central_directory() {
        let zip = zip_of_empty_files(&DOWNLOAD_FILES);
        let eocd = &zip[zip.len() - 22..];
        assert_eq!(&eocd[..4], &0x0605_4b50u32.to_le_bytes());
        assert_eq!(u16::from_le_bytes([eocd[10], eocd[11]]), 3);

        let size = u32::from_le_bytes(eocd[12..16].try_into().unwrap()) as usize;
        let offset = u32::from_le_bytes(eocd[16..20].try_into().unwrap()) as usize;
        assert_eq!(offset + size, zip.len() - 22);
        let central = &zip[offset..offset + size];
        for name in DOWNLOAD_FILES {
            let found = central.windows(name.len()).any(|w| w == name.as_bytes());
            assert!(found, "{name} missing");
        }
    }
}
