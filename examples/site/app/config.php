<?php
// Example application configuration (no real secrets: the demo site is public).
return [
    'name' => 'Example shop',
    'media_dir' => __DIR__ . '/../public/media',
    'locale' => 'en_GB',
];
