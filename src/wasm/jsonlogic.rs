//! `jsonLogic.apply`, `Segment.fromJsonLogic` and `segment.toJsonLogic` for JavaScript.

use wasm_bindgen::prelude::*;

use super::segment::JsSegment;
use super::{data_from_js, to_js, to_js_error};
use crate::rules::Segment;

/// `jsonLogic.apply(logic, data?)` (the JS entry wraps this): json-logic-js semantics.
#[wasm_bindgen(js_name = jsonLogicApply)]
pub fn json_logic_apply(logic: JsValue, data: JsValue) -> Result<JsValue, JsValue> {
    let logic = data_from_js(&logic, None)?;
    let data = data_from_js(&data, None)?;
    let result = crate::jsonlogic::apply(&logic, &data).map_err(|e| to_js_error(&e))?;
    to_js(&result)
}

#[wasm_bindgen(js_class = Segment)]
impl JsSegment {
    /// `Segment.fromJsonLogic(logic)`: the boolean subset of JsonLogic as a segment.
    #[wasm_bindgen(js_name = fromJsonLogic)]
    pub fn from_json_logic(logic: JsValue) -> Result<JsSegment, JsValue> {
        let logic = data_from_js(&logic, None)?;
        let inner = Segment::from_json_logic(&logic).map_err(|e| to_js_error(&e))?;
        Ok(JsSegment::new(inner))
    }

    /// `segment.toJsonLogic()`: an `argument` KaleidoError if not expressible.
    #[wasm_bindgen(js_name = toJsonLogic)]
    pub fn to_json_logic(&self) -> Result<JsValue, JsValue> {
        let logic = self
            .segment()
            .to_json_logic()
            .map_err(|e| to_js_error(&e))?;
        to_js(&logic)
    }
}
