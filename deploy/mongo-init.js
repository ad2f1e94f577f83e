/* global rs, print -- mongosh runs this file and provides them */
// Initiates the replica set rs0 of docker-compose.yml once; run again, it changes nothing.
try {
  rs.status();
  print('replica set already initiated');
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  rs.initiate({
    _id: 'rs0',
    members: [
      { _id: 0, host: 'mongo-1:27017' },
      { _id: 1, host: 'mongo-2:27017' },
      { _id: 2, host: 'mongo-3:27017' },
    ],
  });
  print('replica set initiated');
}
