--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: uuid-ossp; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA public;


--
-- Name: EXTENSION "uuid-ossp"; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION "uuid-ossp" IS 'generate universally unique identifiers (UUIDs)';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alembic_version; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: emoji_tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.emoji_tasks (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    driven_id character varying(64) NOT NULL,
    style_name character varying(64),
    source_image_url character varying(512) NOT NULL,
    detect_result json,
    aliyun_task_id character varying(128),
    result_url character varying(512),
    status character varying(16) NOT NULL,
    points_cost integer DEFAULT 0 NOT NULL,
    error_message text,
    created_at timestamp with time zone NOT NULL,
    completed_at timestamp with time zone
);


--
-- Name: orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    order_no character varying(64) NOT NULL,
    product_type character varying(16) NOT NULL,
    product_id character varying(64) NOT NULL,
    quantity integer DEFAULT 1 NOT NULL,
    amount numeric(10,2) DEFAULT 0 NOT NULL,
    currency character varying(8) DEFAULT 'USD'::character varying NOT NULL,
    status character varying(16) NOT NULL,
    payment_channel character varying(32),
    transaction_id character varying(128),
    created_at timestamp with time zone NOT NULL,
    paid_at timestamp with time zone,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: point_transactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.point_transactions (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    type character varying(16) NOT NULL,
    amount integer NOT NULL,
    balance_after integer NOT NULL,
    task_type character varying(32),
    order_no character varying(64),
    reward_week character varying(8),
    created_at timestamp with time zone NOT NULL
);


--
-- Name: revenuecat_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.revenuecat_events (
    id bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    event_type character varying(64) NOT NULL,
    payload json,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: subscriptions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.subscriptions (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    rc_subscriber_id character varying(128) NOT NULL,
    product_id character varying(64) NOT NULL,
    plan_type character varying(16) NOT NULL,
    status character varying(16) NOT NULL,
    will_renew boolean DEFAULT true NOT NULL,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    cancelled_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: user_points; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_points (
    id bigint NOT NULL,
    user_id bigint NOT NULL,
    balance integer DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    device_id character varying(128) NOT NULL,
    nickname character varying(64),
    is_vip boolean DEFAULT false NOT NULL,
    vip_type character varying(16),
    vip_expire_time timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Data for Name: alembic_version; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.alembic_version (version_num) VALUES ('5b3e1a1b3c0a');


--
-- Data for Name: emoji_tasks; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.emoji_tasks (id, user_id, driven_id, style_name, source_image_url, detect_result, aliyun_task_id, result_url, status, points_cost, error_message, created_at, completed_at) VALUES (386266833193271296, 386266821075927040, 'mengwa_kaixin', NULL, 'https://example.com/golden/a1.jpg', '{"face_bbox": [10, 20, 110, 120], "ext_bbox": [0, 0, 200, 200], "raw": null}', NULL, 'https://example.com/mock-result.mp4', 'completed', 200, NULL, '2026-12-01 21:26:29.524404+00', '2026-12-01 21:26:30.505916+00');
INSERT INTO public.emoji_tasks (id, user_id, driven_id, style_name, source_image_url, detect_result, aliyun_task_id, result_url, status, points_cost, error_message, created_at, completed_at) VALUES (386266833331683328, 386266821075927040, 'jingdian_xiao', NULL, 'https://example.com/golden/a2.png', '{"face_bbox": [0, 0, 100, 100], "ext_bbox": [0, 0, 120, 120], "raw": {"mock": true}}', NULL, 'https://example.com/mock-result.mp4', 'completed', 200, NULL, '2026-12-01 21:26:29.55719+00', '2026-12-01 21:26:30.526527+00');
INSERT INTO public.emoji_tasks (id, user_id, driven_id, style_name, source_image_url, detect_result, aliyun_task_id, result_url, status, points_cost, error_message, created_at, completed_at) VALUES (386266873408258048, 386266821075927040, 'mengwa_kaixin', NULL, 'https://example.com/golden/a3.webp', '{"face_bbox": [1, 2, 3, 4], "ext_bbox": [5, 6, 7, 8], "raw": null}', NULL, NULL, 'pending', 200, NULL, '2026-12-01 21:26:39.112953+00', NULL);
INSERT INTO public.emoji_tasks (id, user_id, driven_id, style_name, source_image_url, detect_result, aliyun_task_id, result_url, status, points_cost, error_message, created_at, completed_at) VALUES (386266873496338432, 386266821147230208, 'mengwa_kaixin', NULL, 'https://example.com/golden/b1.jpg', '{"face_bbox": [0, 0, 100, 100], "ext_bbox": [0, 0, 120, 120], "raw": {"mock": true}}', NULL, NULL, 'pending', 200, NULL, '2026-12-01 21:26:39.13322+00', NULL);
INSERT INTO public.emoji_tasks (id, user_id, driven_id, style_name, source_image_url, detect_result, aliyun_task_id, result_url, status, points_cost, error_message, created_at, completed_at) VALUES (386266879359975424, 386266821075927040, 'mengwa_kaixin', NULL, 'https://example.com/golden/a4.jpg', '{"face_bbox": [1, 1, 50, 50], "ext_bbox": [0, 0, 60, 60], "raw": null}', NULL, NULL, 'failed', 200, 'Queue unavailable: Error 111 connecting to 127.0.0.1:56479. Connection refused.', '2026-12-01 21:26:40.531438+00', '2026-12-01 21:26:40.534252+00');


--
-- Data for Name: orders; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266821596020736, 386266821075927040, 'o_386266821075927040_1796160386_a645fd5f98a9', 'points_pack', 'points_1000', 1, 0.99, 'USD', 'pending', NULL, NULL, '2026-12-01 21:26:26.759443+00', NULL, '2026-12-01 21:26:26.759455+00');
INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266821642158080, 386266821075927040, 'o_386266821075927040_1796160386_040236b40a88', 'subscription', 'weekly_001', 1, 4.90, 'EUR', 'pending', NULL, NULL, '2026-12-01 21:26:26.770436+00', NULL, '2026-12-01 21:26:26.770447+00');
INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266821675712512, 386266821075927040, 'o_386266821075927040_1796160386_ca53716ac762', 'points_pack', 'points_3000', 1, 0.00, 'USD', 'pending', NULL, NULL, '2026-12-01 21:26:26.778945+00', NULL, '2026-12-01 21:26:26.778957+00');
INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266821713461248, 386266821147230208, 'o_386266821147230208_1796160386_651c215e26e4', 'points_pack', 'points_10000', 3, 29.97, 'CNY', 'pending', NULL, NULL, '2026-12-01 21:26:26.787043+00', NULL, '2026-12-01 21:26:26.787056+00');
INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266821742821376, 386266821147230208, 'o_386266821147230208_1796160386_00036d1c510f', 'subscription', 'lifetime_001', 1, 20.00, 'JPY', 'pending', NULL, NULL, '2026-12-01 21:26:26.795014+00', NULL, '2026-12-01 21:26:26.795026+00');
INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266821776375808, 386266821193367552, 'o_386266821193367552_1796160386_c9aaa5cfd307', 'points_pack', 'points_1000', 1, -1.50, 'USD', 'pending', NULL, NULL, '2026-12-01 21:26:26.802678+00', NULL, '2026-12-01 21:26:26.802689+00');
INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266821973508096, 386266821147230208, 'golden-txn-b-points-1', 'points_pack', 'points_1000', 1, 0.99, 'CNY', 'paid', 'revenuecat', 'golden-txn-b-points-1', '2026-12-01 21:26:26.849023+00', NULL, '2026-12-01 21:26:26.849035+00');
INSERT INTO public.orders (id, user_id, order_no, product_type, product_id, quantity, amount, currency, status, payment_channel, transaction_id, created_at, paid_at, updated_at) VALUES (386266822103531520, 386266821075927040, 'golden-txn-a-points-1', 'points_pack', 'points_3000', 1, 2.49, 'USD', 'paid', 'revenuecat', 'golden-txn-a-points-1', '2026-12-01 21:26:26.880375+00', NULL, '2026-12-01 21:26:26.880387+00');


--
-- Data for Name: point_transactions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266821994479616, 386266821147230208, 'purchase', 1000, 1000, NULL, 'golden-txn-b-points-1', NULL, '2026-12-01 21:26:26.854964+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266822116114432, 386266821075927040, 'purchase', 3000, 3000, NULL, 'golden-txn-a-points-1', NULL, '2026-12-01 21:26:26.883167+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266830961901568, 386266821075927040, 'reward', 2000, 5000, NULL, NULL, '2026-W49', '2026-12-01 21:26:28.993009+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266831045787648, 386266821193367552, 'reward', 3000, 3000, NULL, NULL, '2026-W49', '2026-12-01 21:26:29.012249+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266831083536384, 386266821243699200, 'reward', 2000, 2000, NULL, NULL, '2026-W49', '2026-12-01 21:26:29.021415+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266833134551040, 386266821075927040, 'consume', -200, 4800, 'emoji', NULL, NULL, '2026-12-01 21:26:29.510177+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266833289740288, 386266821075927040, 'consume', -200, 4600, 'emoji', NULL, NULL, '2026-12-01 21:26:29.547957+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266873362120704, 386266821075927040, 'consume', -200, 4400, 'emoji', NULL, NULL, '2026-12-01 21:26:39.101035+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266873475366912, 386266821147230208, 'consume', -200, 800, 'emoji', NULL, NULL, '2026-12-01 21:26:39.128903+00');
INSERT INTO public.point_transactions (id, user_id, type, amount, balance_after, task_type, order_no, reward_week, created_at) VALUES (386266879347392512, 386266821075927040, 'consume', -200, 4200, 'emoji', NULL, NULL, '2026-12-01 21:26:40.528131+00');


--
-- Data for Name: revenuecat_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266821814124544, 'golden-evt-test-1', 'TEST', '{"api_version": "1.0", "event": {"id": "golden-evt-test-1", "type": "TEST", "app_user_id": "whatever", "environment": "SANDBOX", "event_timestamp_ms": 1796160386000}}', '2026-12-01 21:26:26.8119+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266821851873280, 'golden-evt-a-initial', 'INITIAL_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-a-initial", "type": "INITIAL_PURCHASE", "app_user_id": "386266821075927040", "original_app_user_id": "386266821075927040", "aliases": ["386266821075927040"], "product_id": "weekly_001", "period_type": "NORMAL", "environment": "PRODUCTION", "purchased_at_ms": 1796160386000, "expiration_at_ms": 1796765186123, "event_timestamp_ms": 1796160386000, "transaction_id": "golden-txn-a-weekly-1", "original_transaction_id": "golden-txn-a-weekly-1", "price": 2.99, "currency": "USD", "store": "APP_STORE"}}', '2026-12-01 21:26:26.820315+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266821960925184, 'golden-evt-b-points', 'NON_RENEWING_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-b-points", "type": "NON_RENEWING_PURCHASE", "app_user_id": "386266821147230208", "original_app_user_id": "386266821147230208", "product_id": "points_1000", "environment": "PRODUCTION", "purchased_at_ms": 1796160386000, "event_timestamp_ms": 1796160386000, "transaction_id": "golden-txn-b-points-1", "price": 0.99, "currency": "CNY", "store": "APP_STORE"}}', '2026-12-01 21:26:26.846438+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266822053199872, 'golden-evt-b-points-redelivered', 'NON_RENEWING_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-b-points-redelivered", "type": "NON_RENEWING_PURCHASE", "app_user_id": "386266821147230208", "product_id": "points_1000", "environment": "PRODUCTION", "purchased_at_ms": 1796160386000, "event_timestamp_ms": 1796160386001, "transaction_id": "golden-txn-b-points-1", "price": 0.99, "currency": "CNY"}}', '2026-12-01 21:26:26.86897+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266822095142912, 'golden-evt-a-points-sandbox', 'NON_RENEWING_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-a-points-sandbox", "type": "NON_RENEWING_PURCHASE", "app_user_id": "386266821075927040", "product_id": "points_3000", "environment": "SANDBOX", "purchased_at_ms": 1796160386000, "event_timestamp_ms": 1796160386000, "transaction_id": "golden-txn-a-points-1", "price": "2.49"}}', '2026-12-01 21:26:26.878456+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266822153863168, 'golden-evt-c-life', 'NON_RENEWING_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-c-life", "type": "NON_RENEWING_PURCHASE", "app_user_id": "386266821193367552", "original_app_user_id": "386266821193367552", "product_id": "com.x.life_vip", "environment": "PRODUCTION", "purchased_at_ms": 1796160386000, "event_timestamp_ms": 1796160386000, "transaction_id": "golden-txn-c-life-1", "price": 19.99, "currency": "USD"}}', '2026-12-01 21:26:26.892944+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266822220972032, 'golden-evt-d-week', 'INITIAL_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-d-week", "type": "INITIAL_PURCHASE", "app_user_id": "386266821243699200", "original_app_user_id": "386266821243699200", "product_id": "something_week", "environment": "PRODUCTION", "purchased_at_ms": 1794950786000, "expiration_at_ms": 1795555586000, "event_timestamp_ms": 1796160386000, "transaction_id": "golden-txn-d-1"}}', '2026-12-01 21:26:26.908219+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266822271303680, 'golden-evt-e-initial', 'INITIAL_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-e-initial", "type": "INITIAL_PURCHASE", "app_user_id": "386266821277253632", "original_app_user_id": "386266821277253632", "product_id": "weekly_001", "environment": "PRODUCTION", "purchased_at_ms": 1796160386000, "expiration_at_ms": 1796765186000, "event_timestamp_ms": 1796160386000, "transaction_id": "golden-txn-e-1"}}', '2026-12-01 21:26:26.920311+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266822338412544, 'golden-evt-e-expiration', 'EXPIRATION', '{"api_version": "1.0", "event": {"id": "golden-evt-e-expiration", "type": "EXPIRATION", "app_user_id": "386266821277253632", "original_app_user_id": "386266821277253632", "product_id": "weekly_001", "environment": "PRODUCTION", "expiration_at_ms": 1796765186000, "event_timestamp_ms": 1796160387000, "expiration_reason": "UNSUBSCRIBE"}}', '2026-12-01 21:26:26.936547+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266822405521408, 'golden-evt-b-unknown', 'NON_RENEWING_PURCHASE', '{"api_version": "1.0", "event": {"id": "golden-evt-b-unknown", "type": "NON_RENEWING_PURCHASE", "app_user_id": "386266821147230208", "product_id": "mystery_box", "environment": "PRODUCTION", "purchased_at_ms": 1796160386000, "transaction_id": "golden-txn-b-mystery"}}', '2026-12-01 21:26:26.952554+00');
INSERT INTO public.revenuecat_events (id, event_id, event_type, payload, created_at) VALUES (386266832991944704, 'golden-evt-a-cancel', 'CANCELLATION', '{"api_version": "1.0", "event": {"id": "golden-evt-a-cancel", "type": "CANCELLATION", "app_user_id": "386266821075927040", "original_app_user_id": "386266821075927040", "product_id": "weekly_001", "environment": "PRODUCTION", "expiration_at_ms": 1796765189000, "event_timestamp_ms": 1796160389000, "cancel_reason": "UNSUBSCRIBE"}}', '2026-12-01 21:26:29.476217+00');


--
-- Data for Name: subscriptions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew, current_period_start, current_period_end, cancelled_at, created_at, updated_at) VALUES (386266822162251776, 386266821193367552, '386266821193367552', 'com.x.life_vip', 'lifetime', 'active', true, '2026-12-01 21:26:26+00', NULL, NULL, '2026-12-01 21:26:26.894625+00', '2026-12-01 21:26:26.894536+00');
INSERT INTO public.subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew, current_period_start, current_period_end, cancelled_at, created_at, updated_at) VALUES (386266822229360640, 386266821243699200, '386266821243699200', 'something_week', 'weekly', 'active', true, '2026-11-17 21:26:26+00', '2026-11-24 21:26:26+00', NULL, '2026-12-01 21:26:26.910211+00', '2026-12-01 21:26:26.910119+00');
INSERT INTO public.subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew, current_period_start, current_period_end, cancelled_at, created_at, updated_at) VALUES (386266822279692288, 386266821277253632, '386266821277253632', 'weekly_001', 'weekly', 'expired', false, '2026-12-01 21:26:26+00', '2026-12-08 21:26:26+00', NULL, '2026-12-01 21:26:26.922103+00', '2026-12-01 21:26:26.93955+00');
INSERT INTO public.subscriptions (id, user_id, rc_subscriber_id, product_id, plan_type, status, will_renew, current_period_start, current_period_end, cancelled_at, created_at, updated_at) VALUES (386266821868650496, 386266821075927040, '386266821075927040', 'weekly_001', 'weekly', 'cancelled', false, '2026-12-01 21:26:26+00', '2026-12-08 21:26:29+00', '2026-12-01 21:26:29.479278+00', '2026-12-01 21:26:26.824209+00', '2026-12-01 21:26:29.479278+00');


--
-- Data for Name: user_points; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.user_points (id, user_id, balance, updated_at) VALUES (386266821281447936, 386266821277253632, 0, '2026-12-01 21:26:26.68412+00');
INSERT INTO public.user_points (id, user_id, balance, updated_at) VALUES (386266821197561856, 386266821193367552, 3000, '2026-12-01 21:26:29.01212+00');
INSERT INTO public.user_points (id, user_id, balance, updated_at) VALUES (386266821247893504, 386266821243699200, 2000, '2026-12-01 21:26:29.021282+00');
INSERT INTO public.user_points (id, user_id, balance, updated_at) VALUES (386266821151424512, 386266821147230208, 800, '2026-12-01 21:26:39.128767+00');
INSERT INTO public.user_points (id, user_id, balance, updated_at) VALUES (386266821088509952, 386266821075927040, 4200, '2026-12-01 21:26:40.527992+00');


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.users (id, device_id, nickname, is_vip, vip_type, vip_expire_time, created_at, updated_at) VALUES (386266821147230208, 'golden-device-b', NULL, false, NULL, NULL, '2026-12-01 21:26:26.652563+00', '2026-12-01 21:26:26.719766+00');
INSERT INTO public.users (id, device_id, nickname, is_vip, vip_type, vip_expire_time, created_at, updated_at) VALUES (386266821193367552, 'golden-device-c', '厨师 C 🍳', true, 'lifetime', NULL, '2026-12-01 21:26:26.663873+00', '2026-12-01 21:26:26.894536+00');
INSERT INTO public.users (id, device_id, nickname, is_vip, vip_type, vip_expire_time, created_at, updated_at) VALUES (386266821243699200, 'golden-device-d', NULL, false, NULL, '2026-11-24 21:26:26+00', '2026-12-01 21:26:26.67563+00', '2026-12-01 21:26:26.910119+00');
INSERT INTO public.users (id, device_id, nickname, is_vip, vip_type, vip_expire_time, created_at, updated_at) VALUES (386266821277253632, 'golden-device-e', 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', false, NULL, '2026-12-08 21:26:26+00', '2026-12-01 21:26:26.683443+00', '2026-12-01 21:26:26.93955+00');
INSERT INTO public.users (id, device_id, nickname, is_vip, vip_type, vip_expire_time, created_at, updated_at) VALUES (386266821075927040, 'golden-device-a', 'Chef A', true, 'weekly', '2026-12-08 21:26:29+00', '2026-12-01 21:26:26.635716+00', '2026-12-01 21:26:29.479278+00');


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: emoji_tasks emoji_tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.emoji_tasks
    ADD CONSTRAINT emoji_tasks_pkey PRIMARY KEY (id);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);


--
-- Name: point_transactions point_transactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.point_transactions
    ADD CONSTRAINT point_transactions_pkey PRIMARY KEY (id);


--
-- Name: revenuecat_events revenuecat_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenuecat_events
    ADD CONSTRAINT revenuecat_events_pkey PRIMARY KEY (id);


--
-- Name: subscriptions subscriptions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);


--
-- Name: orders uq_orders_order_no; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT uq_orders_order_no UNIQUE (order_no);


--
-- Name: point_transactions uq_points_reward_week; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.point_transactions
    ADD CONSTRAINT uq_points_reward_week UNIQUE (user_id, type, reward_week);


--
-- Name: revenuecat_events uq_revenuecat_events_event_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.revenuecat_events
    ADD CONSTRAINT uq_revenuecat_events_event_id UNIQUE (event_id);


--
-- Name: subscriptions uq_subscriptions_user_product; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT uq_subscriptions_user_product UNIQUE (user_id, product_id);


--
-- Name: user_points uq_user_points_user_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_points
    ADD CONSTRAINT uq_user_points_user_id UNIQUE (user_id);


--
-- Name: users uq_users_device_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT uq_users_device_id UNIQUE (device_id);


--
-- Name: user_points user_points_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_points
    ADD CONSTRAINT user_points_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: ix_emoji_tasks_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_emoji_tasks_user_id ON public.emoji_tasks USING btree (user_id);


--
-- Name: ix_orders_order_no; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_orders_order_no ON public.orders USING btree (order_no);


--
-- Name: ix_orders_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_orders_user_id ON public.orders USING btree (user_id);


--
-- Name: ix_point_transactions_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_point_transactions_user_id ON public.point_transactions USING btree (user_id);


--
-- Name: ix_revenuecat_events_event_id; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_revenuecat_events_event_id ON public.revenuecat_events USING btree (event_id);


--
-- Name: ix_subscriptions_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_subscriptions_user_id ON public.subscriptions USING btree (user_id);


--
-- Name: ix_user_points_user_id; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_user_points_user_id ON public.user_points USING btree (user_id);


--
-- Name: ix_users_device_id; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_users_device_id ON public.users USING btree (device_id);


--
-- Name: emoji_tasks emoji_tasks_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.emoji_tasks
    ADD CONSTRAINT emoji_tasks_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: orders orders_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: point_transactions point_transactions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.point_transactions
    ADD CONSTRAINT point_transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: subscriptions subscriptions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: user_points user_points_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_points
    ADD CONSTRAINT user_points_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--


