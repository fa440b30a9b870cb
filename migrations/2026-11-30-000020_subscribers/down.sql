DROP TABLE subscriber_links;
DROP TABLE subscribers;
