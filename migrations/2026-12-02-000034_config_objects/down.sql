DROP TABLE config_objects;
