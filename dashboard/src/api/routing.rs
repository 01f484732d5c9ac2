//! Typed requests of the routing settings (`/api/dashboard/settings/routing`), over the generic
//! fetch helpers. Shapes in `shared::routing`.

use shared::routing::{
    HandoffForm, HandoffPage, RuleInput, RuleOrder, RuleView, TestRequest, TestResult,
};

use super::{delete, get_json, post_json, put_json, ApiError};
use crate::query::encode_component;

const BASE: &str = "/api/dashboard/settings/routing";

fn rule(id: &str) -> String {
    format!("{BASE}/rules/{}", encode_component(id))
}

/// The rules in evaluation order.
pub async fn rules() -> Result<Vec<RuleView>, ApiError> {
    get_json(&format!("{BASE}/rules")).await
}

pub async fn create(input: &RuleInput) -> Result<RuleView, ApiError> {
    post_json(&format!("{BASE}/rules"), input).await
}

pub async fn update(id: &str, input: &RuleInput) -> Result<RuleView, ApiError> {
    put_json(&rule(id), input).await
}

pub async fn remove(id: &str) -> Result<(), ApiError> {
    delete(&rule(id)).await
}

/// Every rule id in the new order; answers the rules in evaluation order.
pub async fn reorder(ids: Vec<String>) -> Result<Vec<RuleView>, ApiError> {
    put_json(&format!("{BASE}/rules/order"), &RuleOrder { ids }).await
}

pub async fn handoff() -> Result<HandoffPage, ApiError> {
    get_json(&format!("{BASE}/handoff")).await
}

pub async fn save_handoff(form: &HandoffForm) -> Result<HandoffPage, ApiError> {
    put_json(&format!("{BASE}/handoff"), form).await
}

pub async fn test(request: &TestRequest) -> Result<TestResult, ApiError> {
    post_json(&format!("{BASE}/test"), request).await
}
