//! The HTTP server's connections (SPEC §2.2): at most `--max-connections` open at once (one
//! more is answered 503 and closed, long before the process runs out of file descriptors),
//! and none kept by a client that does not send a whole request head in time
//! (`--header-timeout`, from the connection's opening or its previous answer: idle and
//! half-sent connections are closed). A request's body has the same time once its head is in
//! (see [`crate::http`]). A call learns that its connection went away through
//! [`ConnectionGone`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};

/// How many connections over the bound are answered 503 at once; beyond that, a connection
/// is closed without an answer (a flood must not cost more than the bound it hit).
pub(crate) const MAX_REFUSING: usize = 64;
/// How long an answer to a refused connection may take.
const REFUSAL_TIME: Duration = Duration::from_secs(1);
/// How long the server waits, once interrupted, for answers in progress.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` until `shutdown` resolves, then lets answers in progress finish
/// (for a few seconds at most).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    max_connections: usize,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let open = Arc::new(Semaphore::new(max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let (closing, closed) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors or a connection reset before it was accepted: try again
                // shortly rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // An answer goes out as a head and then its body (an event stream: chunk by chunk);
        // with Nagle's algorithm on, the second write waits for the client's delayed ACK of
        // the first, 40 ms on Linux, on every call of a kept-alive connection.
        let _ = stream.set_nodelay(true);
        match open.clone().try_acquire_owned() {
            Ok(permit) => {
                let (app, closed) = (app.clone(), closed.clone());
                tokio::spawn(async move {
                    connection(stream, app, header_timeout, closed).await;
                    drop(permit);
                });
            }
            Err(_) => {
                if let Ok(permit) = refusing.clone().try_acquire_owned() {
                    tokio::spawn(async move {
                        refuse(stream, max_connections).await;
                        drop(permit);
                    });
                }
            }
        }
    }
    let _ = closing.send(true);
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, open.acquire_many(all)).await;
}

/// Serves one connection until its client closes it, it times out, or the server stops.
async fn connection(
    stream: TcpStream,
    app: Router,
    header_timeout: Duration,
    mut closed: watch::Receiver<bool>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let served = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    let mut served = std::pin::pin!(served);
    tokio::select! {
        _ = served.as_mut() => {}
        // (The guard `wait_for` returns must not live across the await below.)
        () = async { drop(closed.wait_for(|closed| *closed).await) } => {
            served.as_mut().graceful_shutdown();
            let _ = served.await;
        }
    }
}

/// Answers a connection over the bound with 503 and closes it.
async fn refuse(mut stream: TcpStream, max_connections: usize) {
    let body = serde_json::json!({ "error": {
        "kind": "busy",
        "message": format!(
            "the server has {max_connections} connections open, its limit \
             (--max-connections); try again shortly"
        ),
    }})
    .to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_TIME, async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent before closing: closing with unread input resets the
        // connection, and the client could lose the answer.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
}

/// Cancelled when the connection that carried a request goes away before its answer is
/// written: a tool call of a session runs on the session's task, not on the request's, so
/// without this a `wait` whose client dropped the connection (rather than ending the session
/// or cancelling the request) would keep running until its session expired.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionGone(pub tokio_util::sync::CancellationToken);

/// Marks a request with a [`ConnectionGone`] token, cancelled when its answer is dropped:
/// hyper drops the request's future, or the body of an answer it is still streaming (a
/// session's call answers as an event stream that carries the result later), when the client
/// closes the connection. An answered call has finished, so cancelling its token when the
/// answer is done changes nothing.
pub(crate) async fn watch_connection(mut request: Request, next: Next) -> Response {
    use futures_util::StreamExt;

    let gone = tokio_util::sync::CancellationToken::new();
    let guard = gone.clone().drop_guard();
    request.extensions_mut().insert(ConnectionGone(gone));
    let (parts, body) = next.run(request).await.into_parts();
    // The guard lives as long as the body: dropped with it, when sent or abandoned.
    let body = body.into_data_stream().map(move |chunk| {
        let _alive = &guard;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(body))
}
