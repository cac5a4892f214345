//! SMS gateway webhooks: `POST /sms/{gateway}`, where a gateway hands over each SMS an
//! observer sent, in its own payload shape ([`Shape`]). Each webhook checks the gateway's
//! shared secret, replaces the sender's number by its HMAC at once (the number is never
//! stored or logged: `ledger::event::sender_hmac`), and queues the message for one packer
//! thread, which packs what arrives within a short window into one `sms_messages` entry signed
//! by the organisation's SMS gateway key and submits it through the one intake path. Once the
//! entry is durable, each webhook is answered with the reply the fold derived for its message
//! (in the gateway's reply format: plain text, TwiML, JSON).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ledger::event::{Entry, Event, SmsChannel, SmsMessage, SmsMessages};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tlog::PrivateKey;

use crate::app::ApiError;
use crate::intake::Intake;

/// The payload shapes the webhooks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Form-encoded `from`, `text` and optional `time` (Unix seconds or
    /// `YYYY-MM-DDTHH:MM:SSZ`); answered with the reply as plain text.
    Generic,
    /// Twilio's form-encoded `From` and `Body`; answered with TwiML (`<Message>`).
    Twilio,
    /// Telnyx's JSON `message.received` event (`data.payload.from.phone_number`,
    /// `data.payload.text`, `data.occurred_at`); answered with JSON `{"reply": …}`.
    Telnyx,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::Generic, Shape::Twilio, Shape::Telnyx];

    /// The `{gateway}` of its URL.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Generic => "generic",
            Shape::Twilio => "twilio",
            Shape::Telnyx => "telnyx",
        }
    }
}

/// The webhooks' configuration; `scrutineer serve` fills it from its `--sms-*` flags.
#[derive(Clone)]
pub struct Config {
    /// The organisation's SMS gateway key (role `sms_gateway`), which signs the entries.
    pub gateway: PrivateKey,
    /// The organisation's number secret: the HMAC key of senders' numbers.
    pub number_secret: Vec<u8>,
    /// The gateways served, each with its shared secret.
    pub webhooks: Vec<(Shape, Vec<u8>)>,
    /// How long the packer waits for more messages to join an entry.
    pub window: Duration,
    /// The largest webhook body, in bytes (larger: 413).
    pub max_body: usize,
    /// How long a gateway may take to send its body (longer: 408).
    pub body_timeout: Duration,
}

impl Config {
    /// Reads the key, the number secret and each `GATEWAY=FILE` secret; an error names the
    /// file or the argument. A secret file's text is the secret, surrounding blanks aside.
    pub fn load(
        gateway_key: &Path,
        number_secret: &Path,
        secrets: &[String],
    ) -> Result<Config, String> {
        let gateway = ledger::dir::read_key(gateway_key).map_err(|e| e.to_string())?;
        let number_secret = read_secret(number_secret)?;
        let mut webhooks = Vec::new();
        for s in secrets {
            let (name, file) = s
                .split_once('=')
                .ok_or_else(|| format!("--sms-secret {s}: expected GATEWAY=FILE"))?;
            let shape = Shape::ALL
                .into_iter()
                .find(|g| g.name() == name)
                .ok_or_else(|| {
                    format!("--sms-secret {s}: unknown gateway {name:?} (generic, twilio, telnyx)")
                })?;
            if webhooks.iter().any(|(g, _)| *g == shape) {
                return Err(format!("--sms-secret {s}: {name} is given twice"));
            }
            webhooks.push((shape, read_secret(Path::new(file))?));
        }
        if webhooks.is_empty() {
            return Err("--sms-gateway-key needs at least one --sms-secret GATEWAY=FILE".into());
        }
        Ok(Config {
            gateway,
            number_secret,
            webhooks,
            window: Duration::from_millis(20),
            max_body: 16 << 10,
            body_timeout: Duration::from_secs(10),
        })
    }
}

fn read_secret(path: &Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let secret = text.trim();
    if secret.len() < 16 {
        return Err(format!(
            "{}: a secret is at least 16 characters",
            path.display()
        ));
    }
    Ok(secret.as_bytes().to_vec())
}

/// An entry of messages is at most this many bytes of messages, as `receive-sms` packs them.
const ENTRY_BYTES: usize = 60_000;

type Answer = Result<String, ApiError>;

struct Queued {
    message: SmsMessage,
    answer: tokio::sync::oneshot::Sender<Answer>,
}

/// The running webhooks: their configuration and the packer's queue.
pub struct Webhooks {
    webhooks: Vec<(Shape, Vec<u8>)>,
    number_secret: Vec<u8>,
    max_body: usize,
    body_timeout: Duration,
    queue: mpsc::Sender<Queued>,
}

impl Webhooks {
    /// Starts the packer thread, which submits through `intake` and reads the replies from
    /// the state in `db`. It ends when the webhooks are dropped.
    pub fn start(config: Config, intake: Intake, db: PathBuf) -> Webhooks {
        let (queue, queued) = mpsc::channel();
        let (key, window) = (config.gateway, config.window);
        std::thread::Builder::new()
            .name("sms-packer".into())
            .spawn(move || pack(queued, intake, key, window, db))
            .expect("a thread can be started");
        Webhooks {
            webhooks: config.webhooks,
            number_secret: config.number_secret,
            max_body: config.max_body,
            body_timeout: config.body_timeout,
            queue,
        }
    }
}

fn pack(
    queued: mpsc::Receiver<Queued>,
    intake: Intake,
    key: PrivateKey,
    window: Duration,
    db: PathBuf,
) {
    let mut reader: Option<tlog::SqliteStorage> = None;
    let mut carried: Option<Queued> = None;
    loop {
        let first = match carried.take().map(Ok).unwrap_or_else(|| queued.recv()) {
            Ok(q) => q,
            Err(_) => return,
        };
        let deadline = Instant::now() + window;
        let mut bytes = size(&first.message);
        let mut batch = vec![first];
        while let Ok(q) = queued.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            let s = size(&q.message);
            if bytes + s > ENTRY_BYTES {
                carried = Some(q);
                break;
            }
            bytes += s;
            batch.push(q);
        }
        let entry = Entry::signed(
            Event::SmsMessages(SmsMessages {
                channel: SmsChannel::Unsigned,
                messages: batch.iter().map(|q| q.message.clone()).collect(),
            }),
            &key,
        )
        .to_bytes();
        let taken = intake
            .submit_blocking(vec![entry])
            .map_err(|(status, body)| {
                tracing::error!("{} SMS not recorded: {status}: {body}", batch.len());
                ApiError(
                    if status == StatusCode::SERVICE_UNAVAILABLE {
                        status
                    } else {
                        StatusCode::INTERNAL_SERVER_ERROR
                    },
                    format!("the messages were not recorded: {}", message_of(&body)),
                )
            });
        for (seq, q) in batch.into_iter().enumerate() {
            let answer = match &taken {
                Ok(t) => reply(&mut reader, &db, t.first, seq as u64, &q.message),
                Err(e) => Err(ApiError(e.0, e.1.clone())),
            };
            let _ = q.answer.send(answer);
        }
    }
}

fn message_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.to_string())
}

fn size(m: &SmsMessage) -> usize {
    serde_json::to_string(m).map_or(0, |s| s.len()) + 1
}

/// The reply the fold derived for the message at `seq` of entry `index`.
fn reply(
    reader: &mut Option<tlog::SqliteStorage>,
    db: &Path,
    index: u64,
    seq: u64,
    m: &SmsMessage,
) -> Answer {
    let failed = |e: String| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e);
    if reader.is_none() {
        *reader = Some(
            tlog::SqliteStorage::open_read_only(db)
                .map_err(|e| failed(format!("{}: {e}", db.display())))?,
        );
    }
    let conn = reader.as_ref().expect("opened above").connection();
    match ledger::report::observer::sms_message(conn, index, seq, &m.sender, &m.text) {
        Ok(Some(r)) => Ok(r.reply),
        Ok(None) => Err(failed(format!(
            "entry {index} holds no message {seq} as sent"
        ))),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// Answers one `POST /sms/{gateway}`.
pub async fn handle(
    webhooks: Option<&Webhooks>,
    gateway: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    match answer(webhooks, gateway, query, headers, body).await {
        Ok(r) => r,
        Err(e) => {
            let unauthorised = e.0 == StatusCode::UNAUTHORIZED;
            let mut r = e.into_response();
            if unauthorised {
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, "Bearer".parse().expect("ASCII"));
            }
            r
        }
    }
}

async fn answer(
    webhooks: Option<&Webhooks>,
    gateway: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError(
            StatusCode::NOT_FOUND,
            format!("/sms/{gateway}: no such SMS gateway is configured on this server"),
        )
    };
    let w = webhooks.ok_or_else(not_found)?;
    let (shape, secret) = w
        .webhooks
        .iter()
        .find(|(s, _)| s.name() == gateway)
        .ok_or_else(not_found)?;
    if !authorised(secret, query, headers) {
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            format!(
                "/sms/{gateway}: the gateway's shared secret is missing or wrong (Authorization: Bearer SECRET, or ?secret=SECRET)"
            ),
        ));
    }
    let body =
        match tokio::time::timeout(w.body_timeout, axum::body::to_bytes(body, w.max_body)).await {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => {
                return Err(ApiError(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "/sms/{gateway}: a webhook body is at most {} bytes",
                        w.max_body
                    ),
                ));
            }
            Err(_) => {
                return Err(ApiError(
                    StatusCode::REQUEST_TIMEOUT,
                    format!(
                        "/sms/{gateway}: the body did not arrive within {:?}",
                        w.body_timeout
                    ),
                ));
            }
        };
    let received = read(*shape, &body, now())
        .map_err(|(status, m)| ApiError(status, format!("/sms/{gateway}: {m}")))?;
    let sender = ledger::event::sender_hmac(&w.number_secret, &received.from).map_err(|m| {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("/sms/{gateway}: {}: {m}", shape.number_field()),
        )
    })?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    w.queue
        .send(Queued {
            message: SmsMessage {
                received_at: received.time,
                sender,
                text: received.text,
            },
            answer: tx,
        })
        .map_err(|_| stopped())?;
    let reply = rx.await.map_err(|_| stopped())??;
    Ok(render(*shape, &reply))
}

fn stopped() -> ApiError {
    ApiError(
        StatusCode::SERVICE_UNAVAILABLE,
        "the SMS intake has stopped; send again shortly".into(),
    )
}

/// The secret from `Authorization: Bearer` or the `secret` query parameter, compared in
/// constant time (both hashed first, so that neither length shows).
fn authorised(secret: &[u8], query: Option<&str>, headers: &HeaderMap) -> bool {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_string());
    let from_query = query.and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()?
            .into_iter()
            .find(|(k, _)| k == "secret")
            .map(|(_, v)| v)
    });
    let expected = Sha256::digest(secret);
    [from_header, from_query]
        .into_iter()
        .flatten()
        .any(|given| bool::from(Sha256::digest(given.as_bytes()).ct_eq(&expected)))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A message as a gateway delivered it: the number is still in it.
#[derive(Debug, PartialEq, Eq)]
pub struct Delivered {
    pub from: String,
    pub text: String,
    /// Unix seconds: the gateway's time where it gives one, else `now`.
    pub time: u64,
}

impl Shape {
    fn number_field(self) -> &'static str {
        match self {
            Shape::Generic => "from",
            Shape::Twilio => "From",
            Shape::Telnyx => "data.payload.from.phone_number",
        }
    }
}

/// Reads a webhook body of `shape`: 400 for a body that does not read or lacks a field, 422
/// for a field that reads but cannot be recorded. Each error names the field or JSON path.
pub fn read(shape: Shape, body: &[u8], now: u64) -> Result<Delivered, (StatusCode, String)> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let unfit = |m: String| (StatusCode::UNPROCESSABLE_ENTITY, m);
    let delivered = match shape {
        Shape::Generic | Shape::Twilio => {
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
                .map_err(|e| bad(format!("not a form-encoded body: {e}")))?;
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            };
            let (from, text) = if shape == Shape::Twilio {
                ("From", "Body")
            } else {
                ("from", "text")
            };
            let time = match (shape, field("time")) {
                (Shape::Generic, Some(t)) => {
                    parse_time(&t).map_err(|m| unfit(format!("time: {m}")))?
                }
                _ => now,
            };
            Delivered {
                from: field(from).ok_or_else(|| bad(format!("{from} is missing")))?,
                text: field(text).ok_or_else(|| bad(format!("{text} is missing")))?,
                time,
            }
        }
        Shape::Telnyx => {
            let v: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| bad(format!("not a JSON body: {e}")))?;
            let string = |path: &[&str]| {
                let mut at = &v;
                for p in path {
                    at = &at[*p];
                }
                at.as_str().map(str::to_string)
            };
            let from = string(&["data", "payload", "from", "phone_number"])
                .ok_or_else(|| bad("data.payload.from.phone_number is missing".into()))?;
            let text = string(&["data", "payload", "text"])
                .ok_or_else(|| bad("data.payload.text is missing".into()))?;
            let time = match string(&["data", "occurred_at"]) {
                Some(t) => parse_time(&t).map_err(|m| unfit(format!("data.occurred_at: {m}")))?,
                None => now,
            };
            Delivered { from, text, time }
        }
    };
    if delivered.text.len() > observer::sms::MAX_MESSAGE {
        return Err(unfit(format!(
            "the message is {} bytes long, more than {}",
            delivered.text.len(),
            observer::sms::MAX_MESSAGE
        )));
    }
    Ok(delivered)
}

/// Unix seconds, or UTC `YYYY-MM-DDTHH:MM:SS` with `Z` or `+00:00`, fractions of a second
/// dropped.
fn parse_time(t: &str) -> Result<u64, String> {
    if let Ok(n) = t.parse::<u64>() {
        return Ok(n);
    }
    let whole = match (t.get(..19), t.ends_with('Z') || t.ends_with("+00:00")) {
        (Some(head), true) => format!("{head}Z"),
        _ => t.to_string(),
    };
    let s = observer::messages::parse_time(&whole)?;
    u64::try_from(s).map_err(|_| format!("{t:?} is before 1970"))
}

/// The webhook's answer: the reply in the gateway's format.
pub fn render(shape: Shape, reply: &str) -> Response {
    match shape {
        Shape::Generic => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], reply.to_string()).into_response(),
        Shape::Twilio => (
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
                xml_escape(reply)
            ),
        )
            .into_response(),
        Shape::Telnyx => (
            [(header::CONTENT_TYPE, "application/json")],
            format!("{}\n", serde_json::json!({ "reply": reply })),
        )
            .into_response(),
    }
}

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_names_what_is_wrong() {
        let tmp = tempfile::tempdir().unwrap();
        let key = tmp.path().join("gateway.key");
        let k = PrivateKey::from_seed("gateway", tlog::note::TYPE_ED25519, [7; 32]).unwrap();
        std::fs::write(&key, format!("{}\n", k.to_skey())).unwrap();
        let secret = tmp.path().join("number.secret");
        std::fs::write(&secret, "0123456789abcdef\n").unwrap();
        let short = tmp.path().join("short.secret");
        std::fs::write(&short, "too short").unwrap();
        let load = |secrets: &[&str]| {
            let secrets: Vec<String> = secrets.iter().map(|s| s.to_string()).collect();
            Config::load(&key, &secret, &secrets).map(|c| c.webhooks.len())
        };
        let good = format!("twilio={}", secret.display());
        assert_eq!(load(&[&good]), Ok(1));
        assert_eq!(
            load(&[]).unwrap_err(),
            "--sms-gateway-key needs at least one --sms-secret GATEWAY=FILE"
        );
        assert_eq!(
            load(&["twilio"]).unwrap_err(),
            "--sms-secret twilio: expected GATEWAY=FILE"
        );
        assert!(
            load(&["nokia=x"])
                .unwrap_err()
                .contains("unknown gateway \"nokia\"")
        );
        assert!(
            load(&[&good, &good])
                .unwrap_err()
                .ends_with("twilio is given twice")
        );
        let e = load(&[&format!("generic={}", short.display())]).unwrap_err();
        assert_eq!(
            e,
            format!("{}: a secret is at least 16 characters", short.display())
        );
    }

    #[test]
    fn each_shape_reads_its_fields() {
        let now = 1_848_553_331;
        let twilio = b"From=%2B85512345678&Body=OPN+1+AA5&To=%2B85523000000";
        assert_eq!(
            read(Shape::Twilio, twilio, now),
            Ok(Delivered {
                from: "+85512345678".into(),
                text: "OPN 1 AA5".into(),
                time: now
            })
        );
        // Twilio's fields are not the generic gateway's.
        assert_eq!(
            read(Shape::Generic, twilio, now).unwrap_err(),
            (StatusCode::BAD_REQUEST, "from is missing".into())
        );
        let telnyx = br#"{"data":{"occurred_at":"2028-07-30T07:10:00.574+00:00","payload":{"from":{"phone_number":"+1"},"text":"x"}}}"#;
        assert_eq!(
            read(Shape::Telnyx, telnyx, now).unwrap().time,
            1_848_553_800
        );
        let telnyx = br#"{"data":{"occurred_at":"2028-07-30T14:10:00+07:00","payload":{"from":{"phone_number":"+1"},"text":"x"}}}"#;
        assert_eq!(
            read(Shape::Telnyx, telnyx, now).unwrap_err().0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let telnyx = br#"{"data":{"payload":{"from":{"phone_number":"+1"},"text":"x"}}}"#;
        assert_eq!(read(Shape::Telnyx, telnyx, now).unwrap().time, now);
        assert_eq!(
            read(Shape::Telnyx, br#"{"data":{"payload":{"text":"x"}}}"#, now).unwrap_err(),
            (
                StatusCode::BAD_REQUEST,
                "data.payload.from.phone_number is missing".into()
            )
        );
        assert_eq!(xml_escape("a<b & 'c'"), "a&lt;b &amp; &apos;c&apos;");
    }
}
