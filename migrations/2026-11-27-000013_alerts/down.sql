DROP TABLE delivery_attempts;
DROP TABLE notifications;
DROP TABLE alert_rules;
DROP TABLE channels;
