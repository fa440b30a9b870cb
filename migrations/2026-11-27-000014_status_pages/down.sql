DROP TABLE status_page_components;
DROP TABLE status_pages;
