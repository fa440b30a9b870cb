// The database schema, as `diesel print-schema` writes it for `migrations/`.

diesel::table! {
    alert_rules (id) {
        id -> Int8,
        name -> Text,
        events -> Array<Text>,
        channel_id -> Int8,
        monitor_ids -> Nullable<Array<Int8>>,
        enabled -> Bool,
        max_per_hour -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        at -> Timestamptz,
        action -> Text,
        actor_id -> Nullable<Int8>,
        actor_email -> Nullable<Text>,
        via -> Text,
        address -> Nullable<Text>,
        subject -> Text,
        details -> Nullable<Text>,
    }
}

diesel::table! {
    channels (id) {
        id -> Int8,
        kind -> Text,
        name -> Text,
        url -> Nullable<Text>,
        secret -> Nullable<Text>,
        recipients -> Array<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> Int8,
        notification_id -> Int8,
        at -> Timestamptz,
        duration_ms -> Int4,
        ok -> Bool,
        status_code -> Nullable<Int4>,
        reply -> Text,
        error -> Nullable<Text>,
        retry_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Int8,
        delivery_id -> Text,
        rule_id -> Nullable<Int8>,
        rule_name -> Text,
        channel_id -> Int8,
        event -> Text,
        incident_id -> Nullable<Int8>,
        payload -> Jsonb,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        name -> Text,
        prefix -> Text,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    checks (id) {
        id -> Int8,
        monitor_id -> Int8,
        region_id -> Int8,
        checked_at -> Timestamptz,
        duration_ms -> Int4,
        up -> Bool,
        status_code -> Nullable<Int4>,
        failure -> Nullable<Text>,
        message -> Text,
        cert_expires_at -> Nullable<Timestamptz>,
        exit_code -> Nullable<Int4>,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    /// Checks packed by `upkeep::pack`: a run of one monitor, region and
    /// hour sharing everything but time and latency.
    packed_checks (monitor_id, region_id, hour) {
        monitor_id -> Int8,
        region_id -> Int8,
        hour -> Timestamptz,
        up -> Bool,
        status_code -> Nullable<Int4>,
        failure -> Nullable<Text>,
        message -> Text,
        cert_expires_at -> Nullable<Timestamptz>,
        exit_code -> Nullable<Int4>,
        source -> Nullable<Text>,
        offsets_ms -> Array<Int4>,
        durations_ms -> Array<Int4>,
    }
}

diesel::table! {
    /// A view: the raw checks and the packed ones, as rows of checks.
    all_checks (monitor_id, region_id, checked_at) {
        monitor_id -> Int8,
        region_id -> Int8,
        hour -> Timestamptz,
        checked_at -> Timestamptz,
        duration_ms -> Int4,
        up -> Bool,
        status_code -> Nullable<Int4>,
        failure -> Nullable<Text>,
        message -> Text,
        cert_expires_at -> Nullable<Timestamptz>,
        exit_code -> Nullable<Int4>,
        source -> Nullable<Text>,
    }
}

diesel::table! {
    config_objects (kind, key) {
        kind -> Text,
        key -> Text,
        object_id -> Int8,
        applied_at -> Timestamptz,
    }
}

diesel::table! {
    daily_rollups (monitor_id, day) {
        monitor_id -> Int8,
        day -> Date,
        checks -> Int4,
        failures -> Int4,
        downtime_seconds -> Int4,
        p50_ms -> Nullable<Int4>,
        p95_ms -> Nullable<Int4>,
        maintenance_checks -> Int4,
    }
}

diesel::table! {
    incidents (id) {
        id -> Int8,
        kind -> Text,
        title -> Text,
        details -> Text,
        impact -> Text,
        state -> Text,
        monitor_id -> Nullable<Int8>,
        started_at -> Nullable<Timestamptz>,
        resolved_at -> Nullable<Timestamptz>,
        scheduled_start -> Nullable<Timestamptz>,
        scheduled_end -> Nullable<Timestamptz>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        held_open -> Bool,
        public_title -> Nullable<Text>,
    }
}

diesel::table! {
    incident_monitors (incident_id, monitor_id) {
        incident_id -> Int8,
        monitor_id -> Int8,
    }
}

diesel::table! {
    incident_events (id) {
        id -> Int8,
        incident_id -> Int8,
        at -> Timestamptz,
        kind -> Text,
        actor_id -> Nullable<Int8>,
        details -> Jsonb,
        actor_name -> Nullable<Text>,
    }
}

diesel::table! {
    incident_comments (id) {
        id -> Int8,
        incident_id -> Int8,
        author_id -> Nullable<Int8>,
        body -> Text,
        body_html -> Text,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        author_name -> Nullable<Text>,
    }
}

diesel::table! {
    incident_updates (id) {
        id -> Int8,
        incident_id -> Int8,
        status -> Text,
        body -> Text,
        body_html -> Text,
        author_id -> Nullable<Int8>,
        published_at -> Timestamptz,
        author_name -> Nullable<Text>,
        edited_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        scope -> Text,
        key -> Text,
        failed_at -> Timestamptz,
    }
}

diesel::table! {
    monitor_regions (monitor_id, region_id) {
        monitor_id -> Int8,
        region_id -> Int8,
    }
}

diesel::table! {
    monitor_region_state (monitor_id, region_id) {
        monitor_id -> Int8,
        region_id -> Int8,
        next_due_at -> Timestamptz,
        verdict -> Text,
        consecutive_failures -> Int4,
        consecutive_successes -> Int4,
        last_result_at -> Nullable<Timestamptz>,
        consecutive_slow -> Int4,
        consecutive_fast -> Int4,
    }
}

diesel::table! {
    monitor_status_changes (id) {
        id -> Int8,
        monitor_id -> Int8,
        status -> Text,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    monitors (id) {
        id -> Int8,
        name -> Text,
        kind -> Text,
        url -> Nullable<Text>,
        host -> Nullable<Text>,
        port -> Nullable<Int4>,
        method -> Text,
        headers -> Jsonb,
        body -> Nullable<Text>,
        accepted_status -> Text,
        keyword -> Nullable<Text>,
        keyword_mode -> Text,
        follow_redirects -> Bool,
        interval_seconds -> Int4,
        timeout_seconds -> Int4,
        region_threshold -> Int4,
        incident_confirmations -> Int4,
        recovery_confirmations -> Int4,
        ssl_expiry_days -> Int4,
        paused -> Bool,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        outage_closed_at -> Nullable<Timestamptz>,
        ping_token_hash -> Nullable<Bytea>,
        ping_token_hint -> Nullable<Text>,
        period_seconds -> Nullable<Int4>,
        cron -> Nullable<Text>,
        timezone -> Nullable<Text>,
        grace_seconds -> Nullable<Int4>,
        run_started_at -> Nullable<Timestamptz>,
        dns_record_type -> Nullable<Text>,
        dns_server -> Nullable<Text>,
        dns_protocol -> Nullable<Text>,
        expected_values -> Jsonb,
        expected_match -> Nullable<Text>,
        ping_count -> Nullable<Int4>,
        max_loss_percent -> Nullable<Int4>,
        degraded_after_ms -> Nullable<Int4>,
        degraded_incident -> Bool,
        parent_id -> Nullable<Int8>,
        tags -> Array<Text>,
    }
}

diesel::table! {
    regions (id) {
        id -> Int8,
        name -> Text,
        token_hash -> Nullable<Bytea>,
        created_at -> Timestamptz,
        last_seen_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Int8,
        token_hash -> Bytea,
        user_id -> Int8,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    ssl_expiry_events (id) {
        id -> Int8,
        monitor_id -> Int8,
        region_id -> Int8,
        expires_at -> Timestamptz,
        raised_at -> Timestamptz,
    }
}

diesel::table! {
    status_page_components (page_id, position) {
        page_id -> Int8,
        position -> Int4,
        monitor_id -> Int8,
        name -> Text,
        group_name -> Nullable<Text>,
    }
}

diesel::table! {
    status_pages (id) {
        id -> Int8,
        slug -> Text,
        title -> Text,
        description -> Text,
        is_default -> Bool,
        published -> Bool,
        custom_domain -> Nullable<Text>,
        logo_url -> Nullable<Text>,
        accent_color -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        allow_subscriptions -> Bool,
    }
}

diesel::table! {
    subscriber_links (token_hash) {
        token_hash -> Bytea,
        subscriber_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    subscriber_component_states (page_id, monitor_id) {
        page_id -> Int8,
        monitor_id -> Int8,
        status -> Text,
        changed_at -> Timestamptz,
    }
}

diesel::table! {
    subscriber_deliveries (id) {
        id -> Int8,
        notice_id -> Int8,
        subscriber_id -> Int8,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    subscriber_notices (id) {
        id -> Int8,
        page_id -> Int8,
        incident_id -> Nullable<Int8>,
        kind -> Text,
        update_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        content -> Nullable<Jsonb>,
        fanned_out_to -> Int8,
        fanned_out_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    subscribers (id) {
        id -> Int8,
        page_id -> Int8,
        kind -> Text,
        address -> Text,
        monitor_ids -> Nullable<Array<Int8>>,
        state -> Text,
        confirm_hash -> Nullable<Bytea>,
        confirm_sent_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(incident_comments -> incidents (incident_id));
diesel::joinable!(incident_events -> incidents (incident_id));
diesel::joinable!(incident_monitors -> incidents (incident_id));
diesel::joinable!(incident_monitors -> monitors (monitor_id));
diesel::joinable!(incident_updates -> incidents (incident_id));
diesel::joinable!(incidents -> monitors (monitor_id));
diesel::joinable!(incidents -> users (created_by));
diesel::joinable!(checks -> monitors (monitor_id));
diesel::joinable!(alert_rules -> channels (channel_id));
diesel::joinable!(delivery_attempts -> notifications (notification_id));
diesel::joinable!(notifications -> channels (channel_id));
diesel::joinable!(notifications -> incidents (incident_id));
diesel::joinable!(checks -> regions (region_id));
diesel::joinable!(all_checks -> regions (region_id));
diesel::joinable!(daily_rollups -> monitors (monitor_id));
diesel::joinable!(monitor_region_state -> monitors (monitor_id));
diesel::joinable!(monitor_region_state -> regions (region_id));
diesel::joinable!(monitor_status_changes -> monitors (monitor_id));
diesel::joinable!(monitor_regions -> monitors (monitor_id));
diesel::joinable!(monitor_regions -> regions (region_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(ssl_expiry_events -> monitors (monitor_id));
diesel::joinable!(status_page_components -> monitors (monitor_id));
diesel::joinable!(status_page_components -> status_pages (page_id));
diesel::joinable!(subscriber_component_states -> status_pages (page_id));
diesel::joinable!(subscriber_deliveries -> subscriber_notices (notice_id));
diesel::joinable!(subscriber_deliveries -> subscribers (subscriber_id));
diesel::joinable!(subscriber_links -> subscribers (subscriber_id));
diesel::joinable!(subscriber_notices -> incidents (incident_id));
diesel::joinable!(subscriber_notices -> status_pages (page_id));
diesel::joinable!(subscribers -> status_pages (page_id));
diesel::joinable!(ssl_expiry_events -> regions (region_id));

diesel::allow_tables_to_appear_in_same_query!(
    all_checks,
    alert_rules,
    api_tokens,
    audit_events,
    channels,
    checks,
    config_objects,
    daily_rollups,
    delivery_attempts,
    incident_comments,
    incident_events,
    incident_monitors,
    incident_updates,
    incidents,
    login_failures,
    monitor_region_state,
    monitor_regions,
    monitor_status_changes,
    monitors,
    notifications,
    packed_checks,
    regions,
    sessions,
    ssl_expiry_events,
    status_page_components,
    status_pages,
    subscriber_component_states,
    subscriber_deliveries,
    subscriber_links,
    subscriber_notices,
    subscribers,
    users,
);
