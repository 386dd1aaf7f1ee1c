//! Long-running state changes as [`Poller`]s: `begin_*` methods start a Batch state change
//! (delete a pool, resize it, disable a job, reboot a node, ...) and poll the resource until it
//! reaches the state the change leads to.
//!
//! Batch has no operation-status resource: a state change is accepted (`202`) and the resource
//! itself moves through its states. Each poller therefore reads the resource (`GET`) and decides:
//!
//! | change | done when | fails when |
//! | --- | --- | --- |
//! | delete pool / job / job schedule | the `GET` answers 404, or a resource with the same id but another `creationTime` appears (it was deleted and created again) | the `GET` fails otherwise |
//! | resize pool, stop resize, remove nodes | `allocationState` is `steady` | `resizeErrors` is not empty once steady |
//! | disable / enable / terminate job, terminate job schedule | the job (schedule) reaches `disabled` / `active` / `completed` | it settles in another state |
//! | reboot / reimage / start / deallocate node | the node reaches `idle` or `running` (`deallocated` for deallocate) after leaving the state it was in | it becomes `unusable`, `starttaskfailed` or another settled state |
//!
//! Polling waits [`BatchPollOptions::frequency`] between reads (at least one second, as
//! `azure_core` requires) and gives up with an error after [`BatchPollOptions::timeout`].

use crate::clients::BatchClient;
use crate::models::*;
use azure_core::{
    error::ErrorKind,
    http::{
        headers::Headers,
        poller::{Poller, PollerContinuation, PollerResult, PollerState, PollerStatus, StatusMonitor},
        JsonFormat, RawResponse, RequestContent, Response, StatusCode, Url,
    },
    time::{Duration, OffsetDateTime},
    Error, Result,
};
use serde::{Deserialize, Serialize};
use std::{
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex},
};

/// How a state-change poller polls.
#[derive(Clone, Debug)]
pub struct BatchPollOptions {
    /// Time between two reads of the resource; at least one second. Default: 5 seconds.
    pub frequency: Duration,
    /// Overall limit, after which the poller ends with an error. Default: 30 minutes.
    pub timeout: Duration,
}

impl Default for BatchPollOptions {
    fn default() -> Self {
        Self { frequency: Duration::seconds(5), timeout: Duration::minutes(30) }
    }
}

/// What a state-change poller reports after each read of the resource.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq, Serialize)]
pub struct BatchStateChange {
    /// `InProgress` or `Succeeded`.
    pub status: String,
    /// The state the resource was seen in (e.g. `deleting`, `steady`, `rebooting`), or `deleted`.
    pub resource_state: Option<String>,
}

impl StatusMonitor for BatchStateChange {
    type Output = BatchStateChange;
    type Format = JsonFormat;
    fn status(&self) -> PollerStatus {
        PollerStatus::from(self.status.as_str())
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// One read of the resource, as the rules of a state change see it.
enum Progress {
    Running(String),
    Done(String),
}

/// The rules of a state change: how to read the resource and judge what is read.
type Check = Arc<dyn Fn(Arc<Mutex<Observed>>) -> BoxFuture<Progress> + Send + Sync>;

/// What earlier reads saw, for rules that depend on history.
#[derive(Debug, Default)]
struct Observed {
    /// The state before the change.
    initial_state: Option<String>,
    /// Whether the resource has been seen in a state other than the initial one.
    moved: bool,
}

/// Locks a poller's shared state; a lock poisoned by an earlier panic is still usable, so
/// polling never panics.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn report(status: &str, state: Option<String>) -> Result<Response<BatchStateChange>> {
    let body = serde_json::to_vec(&BatchStateChange { status: status.into(), resource_state: state })?;
    Ok(RawResponse::from_bytes(StatusCode::Ok, Headers::new(), body).into())
}

/// Builds a poller from a start action (run once) and a check (run on every poll).
fn state_change(resource: Url, start: BoxFuture<()>, check: Check, observed: Arc<Mutex<Observed>>, options: BatchPollOptions) -> Result<Poller<BatchStateChange>> {
    if options.frequency < Duration::seconds(1) {
        return Err(Error::with_message(ErrorKind::Other, "the poll frequency must be at least one second"));
    }
    let start = Arc::new(Mutex::new(Some(start)));
    let deadline = Arc::new(Mutex::new(None::<OffsetDateTime>));
    let poller_options = azure_core::http::poller::PollerOptions { frequency: options.frequency, ..Default::default() };
    Ok(Poller::new(
        move |state: PollerState, _| {
            let start = start.clone();
            let check = check.clone();
            let observed = observed.clone();
            let deadline = deadline.clone();
            let resource = resource.clone();
            let frequency = options.frequency;
            let timeout = options.timeout;
            Box::pin(async move {
                let continuation = PollerContinuation::Links { next_link: resource, final_link: None };
                if let PollerState::Initial = state {
                    *lock(&deadline) = Some(OffsetDateTime::now_utc() + timeout);
                    let action = lock(&start).take();
                    if let Some(action) = action {
                        action.await?;
                    }
                    return Ok(PollerResult::InProgress { response: report("InProgress", None)?, retry_after: frequency, continuation });
                }
                if lock(&deadline).is_some_and(|d| OffsetDateTime::now_utc() > d) {
                    return Err(Error::with_message(ErrorKind::Other, format!("the state change did not finish within {timeout}")));
                }
                match check(observed).await? {
                    Progress::Running(s) => Ok(PollerResult::InProgress { response: report("InProgress", Some(s))?, retry_after: frequency, continuation }),
                    Progress::Done(s) => {
                        let response = report("Succeeded", Some(s.clone()))?;
                        Ok(PollerResult::Succeeded {
                            response,
                            target: Box::new(move || Box::pin(async move { report("Succeeded", Some(s)) })),
                        })
                    }
                }
            })
        },
        Some(poller_options),
    ))
}

/// Reads a resource for a deletion: `None` when it is gone (404), else its creation time and state.
type Read = Arc<dyn Fn() -> BoxFuture<Option<(Option<OffsetDateTime>, String)>> + Send + Sync>;

/// The creation time and state of a fetched resource, or `None` on 404.
fn found<T>(response: Result<Response<T>>, facts: impl FnOnce(T) -> (Option<OffsetDateTime>, String)) -> Result<Option<(Option<OffsetDateTime>, String)>>
where
    T: serde::de::DeserializeOwned,
{
    match response {
        Ok(r) => Ok(Some(facts(r.into_model()?))),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The wire text of an optional state enum.
fn state_text<S: std::fmt::Display>(state: Option<S>) -> String {
    state.map(|s| s.to_string()).unwrap_or_default()
}

fn is_not_found(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::HttpResponse { status, .. } if *status == StatusCode::NotFound)
}

fn failed(what: &str, state: &str) -> Error {
    Error::with_message(ErrorKind::Other, format!("{what} settled in state `{state}` instead of finishing the change"))
}

/// Judges a state read: done in `target` (once it has moved, when the target includes the
/// state it started in), waiting in `transitional`, failed otherwise.
fn judge(observed: &Mutex<Observed>, what: &str, state: String, target: &[&str], transitional: &[&str]) -> Result<Progress> {
    let mut o = lock(observed);
    if o.initial_state.as_deref() != Some(state.as_str()) {
        o.moved = true;
    }
    let started_in_target = o.initial_state.as_deref().is_some_and(|s| target.contains(&s));
    if target.contains(&state.as_str()) && (o.moved || !started_in_target) {
        Ok(Progress::Done(state))
    } else if transitional.contains(&state.as_str()) || target.contains(&state.as_str()) || (!o.moved && o.initial_state.as_deref() == Some(state.as_str())) {
        Ok(Progress::Running(state))
    } else {
        Err(failed(what, &state))
    }
}

fn pool_allocation_check(client: BatchClient, pool_id: String) -> Check {
    Arc::new(move |_| {
        let (client, pool_id) = (client.clone(), pool_id.clone());
        Box::pin(async move {
            let pool = client.get_pool(&pool_id, None).await?.into_model()?;
            let state = state_text(pool.allocation_state);
            if state != AllocationState::Steady.as_str() {
                return Ok(Progress::Running(state));
            }
            let errors = pool.resize_errors.unwrap_or_default();
            if let Some(first) = errors.first() {
                let code = first.code.clone().unwrap_or_default();
                let all: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.code.as_deref().unwrap_or(""), e.message.as_deref().unwrap_or(""))).collect();
                return Err(Error::with_message(
                    ErrorKind::HttpResponse { status: StatusCode::Ok, error_code: Some(code), raw_response: None },
                    format!("the pool resize ended with errors: {}", all.join("; ")),
                ));
            }
            Ok(Progress::Done(state))
        })
    })
}

impl BatchClient {
    fn resource_url(&self, path: &str) -> Url {
        let mut url = self.endpoint().clone();
        let base = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{base}{path}"));
        url
    }

    /// Reads a resource before `delete`, runs it, and polls until the resource is gone: a 404,
    /// or a resource with the same id but another `creationTime` (deleted and created again).
    fn deletion(&self, path: String, read: Read, delete: BoxFuture<()>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let before = Arc::new(Mutex::new(None));
        let (r, b) = (read.clone(), before.clone());
        let start: BoxFuture<()> = Box::pin(async move {
            if let Some((created, _)) = r().await? {
                *lock(&b) = created;
            }
            delete.await
        });
        let check: Check = Arc::new(move |_| {
            let (read, before) = (read.clone(), before.clone());
            Box::pin(async move {
                match read().await? {
                    None => Ok(Progress::Done("deleted".into())),
                    Some((created, state)) => {
                        let old = *lock(&before);
                        if old.is_some() && created != old {
                            return Ok(Progress::Done("deleted".into()));
                        }
                        Ok(Progress::Running(state))
                    }
                }
            })
        });
        state_change(self.resource_url(&path), start, check, Default::default(), poll.unwrap_or_default())
    }

    /// Deletes a pool and polls until it is gone.
    pub fn begin_delete_pool(&self, pool_id: &str, options: Option<BatchClientDeletePoolOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), pool_id.to_string());
        let read: Read = Arc::new(move || {
            let (c, id) = (c.clone(), id.clone());
            Box::pin(async move { found(c.get_pool(&id, None).await, |p: BatchPool| (p.creation_time, state_text(p.state))) })
        });
        let (c, id) = (self.clone(), pool_id.to_string());
        let delete: BoxFuture<()> = Box::pin(async move { c.delete_pool(&id, options).await.map(|_| ()) });
        self.deletion(format!("/pools/{pool_id}"), read, delete, poll)
    }

    /// Deletes a job and polls until it is gone.
    pub fn begin_delete_job(&self, job_id: &str, options: Option<BatchClientDeleteJobOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), job_id.to_string());
        let read: Read = Arc::new(move || {
            let (c, id) = (c.clone(), id.clone());
            Box::pin(async move { found(c.get_job(&id, None).await, |j: BatchJob| (j.creation_time, state_text(j.state))) })
        });
        let (c, id) = (self.clone(), job_id.to_string());
        let delete: BoxFuture<()> = Box::pin(async move { c.delete_job(&id, options).await.map(|_| ()) });
        self.deletion(format!("/jobs/{job_id}"), read, delete, poll)
    }

    /// Deletes a job schedule and polls until it is gone.
    pub fn begin_delete_job_schedule(&self, job_schedule_id: &str, options: Option<BatchClientDeleteJobScheduleOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), job_schedule_id.to_string());
        let read: Read = Arc::new(move || {
            let (c, id) = (c.clone(), id.clone());
            Box::pin(async move { found(c.get_job_schedule(&id, None).await, |j: BatchJobSchedule| (j.creation_time, state_text(j.state))) })
        });
        let (c, id) = (self.clone(), job_schedule_id.to_string());
        let delete: BoxFuture<()> = Box::pin(async move { c.delete_job_schedule(&id, options).await.map(|_| ()) });
        self.deletion(format!("/jobschedules/{job_schedule_id}"), read, delete, poll)
    }

    /// Resizes a pool and polls until its allocation state is steady; resize errors fail the poller.
    pub fn begin_resize_pool(&self, pool_id: &str, resize_options: RequestContent<BatchPoolResizeOptions>, options: Option<BatchClientResizePoolOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), pool_id.to_string());
        let start: BoxFuture<()> = Box::pin(async move { c.resize_pool(&id, resize_options, options).await.map(|_| ()) });
        state_change(self.resource_url(&format!("/pools/{pool_id}")), start, pool_allocation_check(self.clone(), pool_id.into()), Default::default(), poll.unwrap_or_default())
    }

    /// Stops a pool resize and polls until its allocation state is steady.
    pub fn begin_stop_pool_resize(&self, pool_id: &str, options: Option<BatchClientStopPoolResizeOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), pool_id.to_string());
        let start: BoxFuture<()> = Box::pin(async move { c.stop_pool_resize(&id, options).await.map(|_| ()) });
        state_change(self.resource_url(&format!("/pools/{pool_id}")), start, pool_allocation_check(self.clone(), pool_id.into()), Default::default(), poll.unwrap_or_default())
    }

    /// Removes nodes from a pool and polls until its allocation state is steady.
    pub fn begin_remove_nodes(&self, pool_id: &str, remove_options: RequestContent<BatchNodeRemoveOptions>, options: Option<BatchClientRemoveNodesOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), pool_id.to_string());
        let start: BoxFuture<()> = Box::pin(async move { c.remove_nodes(&id, remove_options, options).await.map(|_| ()) });
        state_change(self.resource_url(&format!("/pools/{pool_id}")), start, pool_allocation_check(self.clone(), pool_id.into()), Default::default(), poll.unwrap_or_default())
    }

    /// Reads the job's state, runs `action`, then polls the job until it reaches `target`.
    fn job_state_change(&self, job_id: &str, action: BoxFuture<()>, target: &'static [&'static str], transitional: &'static [&'static str], poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let observed = Arc::new(Mutex::new(Observed::default()));
        let (c, id, o) = (self.clone(), job_id.to_string(), observed.clone());
        let start: BoxFuture<()> = Box::pin(async move {
            let initial = Some(state_text(c.get_job(&id, None).await?.into_model()?.state));
            lock(&o).initial_state = initial;
            action.await
        });
        let (c, id) = (self.clone(), job_id.to_string());
        let check: Check = Arc::new(move |observed| {
            let (c, id) = (c.clone(), id.clone());
            Box::pin(async move {
                let state = state_text(c.get_job(&id, None).await?.into_model()?.state);
                judge(&observed, "the job", state, target, transitional)
            })
        });
        state_change(self.resource_url(&format!("/jobs/{job_id}")), start, check, observed, poll.unwrap_or_default())
    }

    /// Disables a job and polls until it is `disabled`.
    pub fn begin_disable_job(&self, job_id: &str, disable_options: RequestContent<BatchJobDisableOptions>, options: Option<BatchClientDisableJobOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), job_id.to_string());
        let action: BoxFuture<()> = Box::pin(async move { c.disable_job(&id, disable_options, options).await.map(|_| ()) });
        self.job_state_change(job_id, action, &["disabled"], &["disabling", "active"], poll)
    }

    /// Enables a job and polls until it is `active`.
    pub fn begin_enable_job(&self, job_id: &str, options: Option<BatchClientEnableJobOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), job_id.to_string());
        let action: BoxFuture<()> = Box::pin(async move { c.enable_job(&id, options).await.map(|_| ()) });
        self.job_state_change(job_id, action, &["active"], &["enabling", "disabled"], poll)
    }

    /// Terminates a job and polls until it is `completed`.
    pub fn begin_terminate_job(&self, job_id: &str, options: Option<BatchClientTerminateJobOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, id) = (self.clone(), job_id.to_string());
        let action: BoxFuture<()> = Box::pin(async move { c.terminate_job(&id, options).await.map(|_| ()) });
        self.job_state_change(job_id, action, &["completed"], &["terminating", "active", "disabled", "disabling", "enabling"], poll)
    }

    /// Terminates a job schedule and polls until it is `completed`.
    pub fn begin_terminate_job_schedule(&self, job_schedule_id: &str, options: Option<BatchClientTerminateJobScheduleOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let observed = Arc::new(Mutex::new(Observed::default()));
        let (c, id, o) = (self.clone(), job_schedule_id.to_string(), observed.clone());
        let start: BoxFuture<()> = Box::pin(async move {
            let initial = Some(state_text(c.get_job_schedule(&id, None).await?.into_model()?.state));
            lock(&o).initial_state = initial;
            c.terminate_job_schedule(&id, options).await.map(|_| ())
        });
        let (c, id) = (self.clone(), job_schedule_id.to_string());
        let check: Check = Arc::new(move |observed| {
            let (c, id) = (c.clone(), id.clone());
            Box::pin(async move {
                let state = state_text(c.get_job_schedule(&id, None).await?.into_model()?.state);
                judge(&observed, "the job schedule", state, &["completed"], &["terminating", "active", "disabled"])
            })
        });
        state_change(self.resource_url(&format!("/jobschedules/{job_schedule_id}")), start, check, observed, poll.unwrap_or_default())
    }

    fn node_state_change(&self, pool_id: &str, node_id: &str, action: BoxFuture<()>, target: &'static [&'static str], transitional: &'static [&'static str], poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let observed = Arc::new(Mutex::new(Observed::default()));
        let (c, pool, node, o) = (self.clone(), pool_id.to_string(), node_id.to_string(), observed.clone());
        let start: BoxFuture<()> = Box::pin(async move {
            let initial = Some(state_text(c.get_node(&pool, &node, None).await?.into_model()?.state));
            lock(&o).initial_state = initial;
            action.await
        });
        let (c, pool, node) = (self.clone(), pool_id.to_string(), node_id.to_string());
        let check: Check = Arc::new(move |observed| {
            let (c, pool, node) = (c.clone(), pool.clone(), node.clone());
            Box::pin(async move {
                let state = state_text(c.get_node(&pool, &node, None).await?.into_model()?.state);
                judge(&observed, "the node", state, target, transitional)
            })
        });
        state_change(self.resource_url(&format!("/pools/{pool_id}/nodes/{node_id}")), start, check, observed, poll.unwrap_or_default())
    }

    /// Reboots a node and polls until it is `idle` or `running` again.
    pub fn begin_reboot_node(&self, pool_id: &str, node_id: &str, options: Option<BatchClientRebootNodeOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, p, n) = (self.clone(), pool_id.to_string(), node_id.to_string());
        let action: BoxFuture<()> = Box::pin(async move { c.reboot_node(&p, &n, options).await.map(|_| ()) });
        self.node_state_change(pool_id, node_id, action, &["idle", "running"], &["rebooting", "starting", "waitingforstarttask", "creating"], poll)
    }

    /// Reimages a node and polls until it is `idle` or `running` again.
    pub fn begin_reimage_node(&self, pool_id: &str, node_id: &str, options: Option<BatchClientReimageNodeOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, p, n) = (self.clone(), pool_id.to_string(), node_id.to_string());
        let action: BoxFuture<()> = Box::pin(async move { c.reimage_node(&p, &n, options).await.map(|_| ()) });
        self.node_state_change(pool_id, node_id, action, &["idle", "running"], &["reimaging", "starting", "waitingforstarttask", "creating"], poll)
    }

    /// Starts a deallocated node and polls until it is `idle` or `running`.
    pub fn begin_start_node(&self, pool_id: &str, node_id: &str, options: Option<BatchClientStartNodeOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, p, n) = (self.clone(), pool_id.to_string(), node_id.to_string());
        let action: BoxFuture<()> = Box::pin(async move { c.start_node(&p, &n, options).await.map(|_| ()) });
        self.node_state_change(pool_id, node_id, action, &["idle", "running"], &["starting", "deallocated", "waitingforstarttask", "creating"], poll)
    }

    /// Deallocates a node and polls until it is `deallocated`.
    pub fn begin_deallocate_node(&self, pool_id: &str, node_id: &str, options: Option<BatchClientDeallocateNodeOptions<'static>>, poll: Option<BatchPollOptions>) -> Result<Poller<BatchStateChange>> {
        let (c, p, n) = (self.clone(), pool_id.to_string(), node_id.to_string());
        let action: BoxFuture<()> = Box::pin(async move { c.deallocate_node(&p, &n, options).await.map(|_| ()) });
        self.node_state_change(pool_id, node_id, action, &["deallocated"], &["deallocating", "idle", "running"], poll)
    }
}
