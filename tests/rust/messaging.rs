mod common;

use agor_core::{Error, ErrorKind};

#[test]
fn smoke_send_and_read() {
    let t = common::team();
    let mgr = t.store.as_agent("mgr").unwrap();
    let dev1 = t.store.as_agent("dev1").unwrap();
    let m = mgr.send("dev1", "hello").unwrap();
    assert_eq!(dev1.unread_count().unwrap(), 1);
    assert_eq!(dev1.peek().unwrap().len(), 1);
    assert_eq!(dev1.unread_count().unwrap(), 1);
    let r = dev1.read(&m.id[..8]).unwrap();
    assert!(r.read);
    assert_eq!(dev1.unread_count().unwrap(), 0);
    let e = t
        .store
        .as_agent("ext")
        .unwrap()
        .send("dev1", "hi")
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert!(matches!(
        mgr.send("nobody", "x"),
        Err(Error::NotFound { .. })
    ));
}
