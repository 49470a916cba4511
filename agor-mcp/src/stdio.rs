//! The stdio transport: one agent (or the operator) per process, JSON-RPC lines on
//! stdin/stdout. Each line is read within a bound (`--max-request-bytes`, at most the SDK's
//! own) and checked first (see [`crate::jsonrpc`]): a bad one (not UTF-8, not JSON, a batch,
//! too long) is answered with a JSON-RPC error on stdout and the session goes on; good ones
//! reach the MCP session through a pipe.

use rmcp::transport::async_rw::DEFAULT_MAX_LINE_LENGTH;
use rmcp::ServiceExt;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::jsonrpc::{self, Rejected};
use crate::server::AgorServer;

/// Serves until the client closes stdin.
pub(crate) async fn serve(server: AgorServer, max_line_bytes: usize) -> Result<(), String> {
    // The SDK drops a longer line without a word: ours is never longer.
    let max_line_bytes = max_line_bytes.min(DEFAULT_MAX_LINE_LENGTH);
    let (ours, sdk) = tokio::io::duplex(1 << 16);
    let (sdk_in, sdk_out) = tokio::io::split(sdk);
    let (from_sdk, mut to_sdk) = tokio::io::split(ours);
    // The session starts by waiting for the client's `initialize`, which comes through the
    // loop below: so it runs on a task of its own.
    let session = tokio::spawn(async move {
        let running = server
            .serve((sdk_in, sdk_out))
            .await
            .map_err(|e| format!("the MCP session did not start: {e}"))?;
        running
            .waiting()
            .await
            .map(drop)
            .map_err(|e| format!("the MCP session ended abnormally: {e}"))
    });
    // One writer owns stdout: the session's answers and our rejections, whole lines each.
    let (lines_tx, mut lines_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let rejections = lines_tx.clone();
    let answers = tokio::spawn(async move {
        let mut from_sdk = BufReader::new(from_sdk).lines();
        while let Ok(Some(line)) = from_sdk.next_line().await {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(line) = lines_rx.recv().await {
            let written = async {
                stdout.write_all(line.as_bytes()).await?;
                stdout.write_all(b"\n").await?;
                stdout.flush().await
            };
            if written.await.is_err() {
                break;
            }
        }
    });
    let mut stdin = BufReader::new(tokio::io::stdin());
    let mut line = Vec::new();
    loop {
        let checked = match next_line(&mut stdin, max_line_bytes, &mut line).await {
            Ok(Line::End) | Err(_) => break,
            Ok(Line::TooLong) => Err(Rejected {
                code: jsonrpc::INVALID_REQUEST,
                message: format!(
                    "the line is over the server's limit of {max_line_bytes} bytes \
                     (--max-request-bytes)"
                ),
            }),
            Ok(Line::Read) if line.trim_ascii().is_empty() => continue,
            Ok(Line::Read) => jsonrpc::check(&line),
        };
        match checked {
            Ok(_) => {
                let forwarded = async {
                    to_sdk.write_all(&line).await?;
                    to_sdk.write_all(b"\n").await
                };
                if forwarded.await.is_err() {
                    break;
                }
            }
            Err(rejected) => {
                let _ = rejections.send(rejected.response().to_string());
            }
        }
    }
    // End of input: the session sees its input close and ends; then the writer drains.
    let _ = to_sdk.shutdown().await;
    drop(rejections);
    let ended = session
        .await
        .map_err(|e| format!("the MCP session failed: {e}"))?;
    let _ = answers.await;
    let _ = writer.await;
    ended
}

/// What [`next_line`] read.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A line (in the buffer, without its line end).
    Read,
    /// A line over the bound: skipped to its end, never held whole.
    TooLong,
    /// The end of input.
    End,
}

/// Reads the next line of `input` into `line` (bytes, so invalid UTF-8 is the checker's to
/// answer, not an error that ends the session), holding at most `max` bytes of it.
async fn next_line<R: AsyncBufRead + Unpin>(
    input: &mut R,
    max: usize,
    line: &mut Vec<u8>,
) -> std::io::Result<Line> {
    line.clear();
    let (mut read_any, mut too_long) = (false, false);
    loop {
        let available = input.fill_buf().await?;
        if available.is_empty() {
            return Ok(match (read_any, too_long) {
                (false, _) => Line::End,
                (true, true) => Line::TooLong,
                (true, false) => Line::Read,
            });
        }
        read_any = true;
        let end = available.iter().position(|&b| b == b'\n');
        let chunk = &available[..end.unwrap_or(available.len())];
        if !too_long && line.len() + chunk.len() > max {
            too_long = true;
            line.clear();
            line.shrink_to(0);
        }
        if !too_long {
            line.extend_from_slice(chunk);
        }
        let used = chunk.len() + usize::from(end.is_some());
        input.consume(used);
        if end.is_some() {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(if too_long { Line::TooLong } else { Line::Read });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded_and_bytes() {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let text = b"ok\r\n\xff\xfe\nthis one is too long\nlast".as_slice();
                let mut input = BufReader::with_capacity(4, text);
                let mut line = Vec::new();
                let mut got = Vec::new();
                loop {
                    let l = next_line(&mut input, 8, &mut line).await.unwrap();
                    if l == Line::End {
                        break;
                    }
                    got.push((l, line.clone()));
                }
                assert_eq!(
                    got,
                    [
                        (Line::Read, b"ok".to_vec()),
                        (Line::Read, b"\xff\xfe".to_vec()),
                        (Line::TooLong, vec![]),
                        (Line::Read, b"last".to_vec()),
                    ]
                );
            });
    }
}
