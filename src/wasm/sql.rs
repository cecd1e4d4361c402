//! `segment.toSql(options)` for JavaScript: the SQL compiler of `crate::sql`.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

use super::options::eval_options;
use super::segment::{schema_arg, JsSegment};
use super::{argument, from_js, to_js_error};
use crate::sql::{Dialect, Properties, SqlOptions, TableLayout};

/// `toSql` options as JavaScript writes them. `asOf`, `timeZone` and
/// `segments` are read by [`eval_options`] from the same object.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SqlOptionsJs {
    dialect: Option<String>,
    /// Read as JSON first: serde-wasm-bindgen only looks up known fields, so
    /// a misspelt one (`profile`) would pass unnoticed.
    #[serde(default)]
    tables: Option<serde_json::Value>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    schema: JsValue,
}

/// The table layout as JavaScript writes it; every field has a default.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TablesJs {
    profiles: Option<String>,
    events: Option<String>,
    id_column: Option<String>,
    order_column: Option<String>,
    event_profile_column: Option<String>,
    event_type_column: Option<String>,
    event_time_column: Option<String>,
    /// `"columns"` (default) or `{ json: "column" }`.
    properties: Option<PropertiesJs>,
}

/// `"columns"` or `{ json: "props" }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum PropertiesJs {
    Name(String),
    Json { json: String },
}

impl TablesJs {
    fn layout(self) -> Result<TableLayout, JsValue> {
        let mut t = TableLayout::default();
        let set = |slot: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut t.profiles, self.profiles);
        set(&mut t.events, self.events);
        set(&mut t.id_column, self.id_column);
        set(&mut t.event_profile_column, self.event_profile_column);
        set(&mut t.event_type_column, self.event_type_column);
        set(&mut t.event_time_column, self.event_time_column);
        t.order_column = self.order_column;
        t.properties = match self.properties {
            None => Properties::Columns,
            Some(PropertiesJs::Name(n)) if n == "columns" => Properties::Columns,
            Some(PropertiesJs::Json { json }) => Properties::Json(json),
            Some(PropertiesJs::Name(n)) => {
                return Err(argument(format!(
                    "tables.properties must be \"columns\" or {{ json: \"column\" }}, not {n:?}"
                )))
            }
        };
        Ok(t)
    }
}

#[wasm_bindgen(js_class = Segment)]
impl JsSegment {
    /// `segment.toSql({ dialect, tables?, asOf?, timeZone?, segments?, schema? })`:
    /// one query returning the ids of the members (see docs/sql.md).
    #[wasm_bindgen(js_name = toSql)]
    pub fn to_sql(&self, options: JsValue) -> Result<String, JsValue> {
        if !options.is_object() {
            return Err(argument(
                "toSql needs an options object with a dialect: duckdb, postgres, spark, bigquery or snowflake",
            ));
        }
        let js: SqlOptionsJs = from_js(options.clone(), "invalid toSql options")?;
        let dialect = js.dialect.ok_or_else(|| {
            argument("options.dialect is required: duckdb, postgres, spark, bigquery or snowflake")
        })?;
        let dialect = Dialect::from_name(&dialect).map_err(|e| to_js_error(&e))?;
        let tables = match js.tables {
            None | Some(serde_json::Value::Null) => TablesJs::default(),
            Some(value) => serde_json::from_value::<TablesJs>(value)
                .map_err(|e| argument(format!("invalid options.tables: {e}")))?,
        }
        .layout()?;
        let schema = schema_arg(js.schema)?;
        let resolved = eval_options(options)?;
        let eval = resolved.get();
        let opts = SqlOptions {
            dialect,
            tables,
            as_of: eval.as_of,
            time_zone: eval.time_zone,
            segments: eval.segments,
            schema: schema.as_ref(),
        };
        self.segment().to_sql(&opts).map_err(|e| to_js_error(&e))
    }
}
